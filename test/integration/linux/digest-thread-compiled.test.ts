/**
 * The sealed copy hashed on a second thread, in the compiled binary: Bun keeps the thread's code as an entry
 * point of its own (build/compile.ts), and a thread the program waits on must keep it alive. A signed 24 MiB UKI
 * under enforce: its signature verifies only if the thread's digest is the image's, and the merged initrd is
 * written whole. On this machine (two CPUs) the binary takes the thread, as on any machine with more than one.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { availableParallelism } from "node:os";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileUkiboot } from "../../../build/compile.ts";
import { run } from "../../../build/lib/run-command.ts";
import { InitramfsTree } from "../../../src/initrd/initramfs-tree.ts";
import { signImage } from "../../support/authenticode-signer.ts";
import { issueCertificate } from "../../support/test-certificates.ts";
import { standInKernel } from "../../support/stand-in-kernel.ts";
import { writeUki } from "../../support/uki-writer.ts";

let dir = "";
let binary = "";
const initrd = new InitramfsTree().add({ type: "file", path: "big.bin", data: new Uint8Array(24 << 20).map((_, i) => (i * 7 + (i >> 16)) % 251) }).toCpio();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "digest-thread-"));
  binary = await compileUkiboot({ outfile: join(dir, "ukiboot") });
  const esp = join(dir, "esp");
  mkdirSync(join(esp, "EFI/Linux"), { recursive: true });
  const db = issueCertificate({ cn: "Thread Test DB", serial: 7 });
  writeFileSync(join(dir, "db.pem"), db.certPem);
  const uki = writeUki({ linux: standInKernel(), initrd, cmdline: "quiet", osRelease: 'ID=thread\nPRETTY_NAME="Thread"\n' });
  writeFileSync(join(esp, "EFI/Linux/big.efi"), signImage(uki, db));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the compiled binary verifies a large signed UKI from its thread's digest and writes the initrd whole", async () => {
  expect(availableParallelism()).toBeGreaterThan(1);
  const out = join(dir, "initrd.out");
  const r = await run(
    [binary, "plan", "--esp", join(dir, "esp"), "--efivarfs", "/nonexistent", "--verify", "enforce", "--trust", join(dir, "db.pem"), "--write-initrd", out],
    { env: { ...process.env, UKIBOOT_DEBUG: "1" } },
  );
  // Under enforce the plan exists only for a verified image; the thread, not a second read, hashed it.
  expect(r.exitCode).toBe(0);
  expect(r.stderr).toContain(`"${join(dir, "esp/EFI/Linux/big.efi")}" was hashed on a second thread while it was sealed`);
  expect(r.stdout).toContain("entry:   big.efi");
  expect(Buffer.from(readFileSync(out)).subarray(0, initrd.byteLength).equals(Buffer.from(initrd))).toBe(true);
});

test("a UKI changed after signing is refused under enforce: the thread's digest is not taken on trust", async () => {
  const esp = join(dir, "esp-bad");
  mkdirSync(join(esp, "EFI/Linux"), { recursive: true });
  const signed = readFileSync(join(dir, "esp/EFI/Linux/big.efi"));
  // One byte deep in the .initrd, far past the first buffers.
  signed[20 << 20] = signed[20 << 20]! ^ 0xff;
  writeFileSync(join(esp, "EFI/Linux/big.efi"), signed);
  const r = await run(
    [binary, "plan", "--esp", esp, "--efivarfs", "/nonexistent", "--verify", "enforce", "--trust", join(dir, "db.pem"), "--write-initrd", join(dir, "bad.out")],
    { okCodes: [0, 1, 2, 3, 4] },
  );
  expect(r.exitCode).not.toBe(0);
  expect(r.stderr).toContain("does not match the signed digest");
});
