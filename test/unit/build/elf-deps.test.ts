import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../../build/debian.ts";
import { readElfInfo, resolveLibraryClosure } from "../../../build/lib/elf-deps.ts";
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

test.each([["the Bun runtime", RUNTIME], ["/bin/ls", "/bin/ls"]])("resolveLibraryClosure(%s) finds what ldd finds", async (_, bin) => {
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
