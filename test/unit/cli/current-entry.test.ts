/** Which entry am I (docs/efi-variables.md §8): `list` marks it, `set-default @current` names it. */
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../../src/main.ts";
import { decodeUtf16 } from "../../../src/efi/efivar-codec.ts";
import { flowEsp } from "../../support/flow-esp.ts";
import { fakeSys } from "../../support/fake-sys.ts";

const GUID = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";

async function run(argv: string[], cmdline: string, efivarfs: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    stdout: { write: (s: string) => out.push(s) } as unknown as NodeJS.WriteStream,
    stderr: { write: (s: string) => err.push(s) } as unknown as NodeJS.WriteStream,
    stdin: process.stdin,
    env: {},
  };
  const code = await main(argv, io, () => ({
    sys: () => fakeSys({ cmdline, efivarfs }),
    chooser: async () => Promise.reject(new Error("no menu here")),
    installHost: () => {
      throw new Error("no installer here");
    },
  }));
  return { code, out: out.join(""), err: err.join("") };
}

/** An efivarfs tree where the first stage (systemd-boot) selected ukiboot's own entry. */
function firstStageVars(): string {
  const dir = mkdtempSync(join(tmpdir(), "current-efivars-"));
  Bun.write(join(dir, `LoaderEntrySelected-${GUID}`), Uint8Array.from([6, 0, 0, 0, ...Buffer.from("ukiboot.conf\0", "utf16le")]));
  return dir;
}

test("list marks the entry named by the booted-entry credential, not the first stage's LoaderEntrySelected", async () => {
  const esp = (await flowEsp()).esp;
  const cmdline = "root=flow v=1 systemd.set_credential=ukiboot.booted-entry:flow-1.efi";
  const text = await run(["list", "--esp", esp], cmdline, firstStageVars());
  expect(text.code).toBe(0);
  expect(text.out).toMatch(/title: .*\(selected\)/);
  expect(text.out).toContain("Booted: flow-1.efi (from the ukiboot.booted-entry credential on the kernel command line)");
  const json = await run(["list", "--esp", esp, "--json"], cmdline, firstStageVars());
  const marks = Object.fromEntries((JSON.parse(json.out) as { id: string; isSelected: boolean }[]).map((e) => [e.id, e.isSelected]));
  expect(marks).toEqual({ "flow-2.efi": false, "flow-1.efi": true });
});

test("without the credential, LoaderEntrySelected names the current entry, as with bootctl", async () => {
  const esp = (await flowEsp()).esp;
  const r = await run(["list", "--esp", esp], "root=x", firstStageVars());
  expect(r.out).toContain("Booted: ukiboot.conf (from LoaderEntrySelected), which is not among these entries");
});

test("set-default @current writes the booted entry's id", async () => {
  const vars = firstStageVars();
  const r = await run(["set-default", "@current", "--efivarfs", vars], "quiet systemd.set_credential=ukiboot.booted-entry:flow-1.efi", vars);
  expect(r.code).toBe(0);
  expect(decodeUtf16(new Uint8Array(readFileSync(join(vars, `LoaderEntryDefault-${GUID}`))).subarray(4))).toBe("flow-1.efi");
});

test("set-default @current with neither source says so and what to do instead", async () => {
  const empty = mkdtempSync(join(tmpdir(), "current-none-"));
  const r = await run(["set-default", "@current", "--efivarfs", empty], "quiet", empty);
  expect(r.code).toBe(1);
  expect(r.err).toContain('Cannot resolve "@current": this kernel\'s command line has no ukiboot.booted-entry credential and LoaderEntrySelected is not set');
  expect(r.err).toContain("Name the entry id instead");
});
