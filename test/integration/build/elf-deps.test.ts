import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { debianArm64Parts, REPO_ROOT } from "../../../build/debian.ts";
import { ARM64_LIBRARY_PATH, readElfInfo, resolveLibraryClosure } from "../../../build/lib/elf-deps.ts";
import { runtimeExecutable } from "../../../build/runtimes.ts";
import { run } from "../../../build/lib/run-command.ts";
import { FormatError } from "../../../src/errors.ts";

const RUNTIME = join(REPO_ROOT, "node_modules/@oven/bun-linux-x64-baseline/bin/bun");

/** ldd's answer, as the reference the closure must match. */
async function lddNames(bin: string): Promise<string[]> {
  const out = (await run(["ldd", bin])).stdout;
  return out
    .split("\n")
    .map((l) => l.trim().split(" ")[0]!)
    .filter((n) => n && !n.startsWith("linux-vdso"))
    .sort();
}

test.each([
  ["the Bun runtime", RUNTIME],
  ["/bin/ls", "/bin/ls"],
])("resolveLibraryClosure(%s) finds what ldd finds", async (_, bin) => {
  const ours = resolveLibraryClosure(bin);
  const names = [...new Set(ours.map((l) => (l.name.startsWith("/") ? l.name : l.name)))];
  const ldd = await lddNames(bin);
  for (const n of ldd) expect(names.some((x) => x === n || x.endsWith(`/${n}`))).toBe(true);
  expect(ours.find((l) => l.name === "/lib64/ld-linux-x86-64.so.2")).toBeDefined();
});

test("readElfInfo() reads the interpreter and DT_NEEDED of the Bun runtime", () => {
  const info = readElfInfo(new Uint8Array(readFileSync(RUNTIME)), RUNTIME);
  expect(info.interpreter).toBe("/lib64/ld-linux-x86-64.so.2");
  expect(info.needed).toContain("libc.so.6");
});

test("readElfInfo() refuses a file that is not ELF", () => {
  expect(() => readElfInfo(new TextEncoder().encode("#!/bin/sh\n"), "script")).toThrow(FormatError);
});

test("the arm64 runtime's closure resolves inside Debian's arm64 libc6, as a merged-/usr system does", async () => {
  const arm = await debianArm64Parts();
  const runtime = await runtimeExecutable("arm64");
  const info = readElfInfo(new Uint8Array(readFileSync(runtime)), runtime);
  expect(info.interpreter).toBe("/lib/ld-linux-aarch64.so.1");
  const libs = resolveLibraryClosure(runtime, ARM64_LIBRARY_PATH, arm.sysroot);
  expect(libs.map((l) => l.targetPath).sort()).toEqual(
    [
      "/lib/ld-linux-aarch64.so.1",
      ...["ld-linux-aarch64.so.1", "libc.so.6", "libdl.so.2", "libm.so.6", "libpthread.so.0"].map((n) => `/lib/aarch64-linux-gnu/${n}`),
    ].sort(),
  );
  // Every one is read from the arm64 tree, never from this machine's /lib.
  for (const l of libs) expect(l.hostPath.startsWith(`${arm.sysroot}/`)).toBe(true);
  // And each is an AArch64 ELF (e_machine 183).
  for (const l of libs) expect(readFileSync(l.hostPath).readUInt16LE(0x12)).toBe(183);
}, 300_000);
