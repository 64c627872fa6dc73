/** `ukiboot list --signatures`: who signed each entry's image, and which anchor, from where, it chains to. */
import { beforeAll, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../../src/main.ts";
import { trustFixtures, type TrustFixtures } from "../../support/trust-fixtures.ts";

let f: TrustFixtures;
let esp = "";
beforeAll(async () => {
  f = await trustFixtures();
  esp = mkdtempSync(join(tmpdir(), "list-sig-"));
  mkdirSync(join(esp, "EFI/Linux"), { recursive: true });
  cpSync(f.uki.db, join(esp, "EFI/Linux/signed.efi"));
  cpSync(f.uki.unsigned, join(esp, "EFI/Linux/unsigned.efi"));
}, 300_000);

function io() {
  const out: string[] = [];
  return {
    io: {
      stdout: { write: (s: string) => out.push(s) } as unknown as NodeJS.WriteStream,
      stderr: { write: () => true } as unknown as NodeJS.WriteStream,
      stdin: process.stdin,
      env: {},
    },
    out: () => out.join(""),
  };
}

test("the text listing names the signer and the anchor with its origin, or why an image is not verified", async () => {
  const t = io();
  expect(await main(["list", "--esp", esp, "--efivarfs", "/nonexistent", "--trust", f.keys.db.crt, "--signatures"], t.io)).toBe(0);
  expect(t.out()).toContain("Signatures (warn because Secure Boot is off and the kernel is not locked down):");
  expect(t.out()).toContain(`  signed.efi: verified: signed by "/CN=ukiboot test db", trusted through --trust ${f.keys.db.crt}`);
  expect(t.out()).toContain("  unsigned.efi: unsigned: it is not signed");
});

test("--json adds a signature object to bootctl's fields only when asked for", async () => {
  const plain = io();
  await main(["list", "--esp", esp, "--efivarfs", "/nonexistent", "--json"], plain.io);
  expect(JSON.parse(plain.out())[0].signature).toBeUndefined();
  const t = io();
  await main(["list", "--esp", esp, "--efivarfs", "/nonexistent", "--trust", f.keys.db.crt, "--json", "--signatures"], t.io);
  const byId = Object.fromEntries((JSON.parse(t.out()) as { id: string; signature: unknown }[]).map((e) => [e.id, e.signature]));
  expect(byId["signed.efi"]).toMatchObject({ status: "verified", signer: "/CN=ukiboot test db", anchor: `--trust ${f.keys.db.crt}` });
  expect(byId["unsigned.efi"]).toMatchObject({ status: "unsigned" });
});
