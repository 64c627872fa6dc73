import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InitramfsTree } from "../../../src/initrd/initramfs-tree.ts";
import { run } from "../../../build/lib/run-command.ts";

function sample(): Uint8Array {
  return new InitramfsTree()
    .add({ type: "file", path: "/usr/bin/tool", data: new TextEncoder().encode("abcde"), mode: 0o755 })
    .add({ type: "symlink", path: "bin/sh", target: "busybox" })
    .add({ type: "chardev", path: "dev/console", major: 5, minor: 1 })
    .toCpio();
}

test("InitramfsTree.toCpio() lists in GNU cpio with parents, modes, links and device nodes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cpio-"));
  writeFileSync(join(dir, "a.cpio"), sample());
  const { stdout } = await run(["sh", "-c", `cpio -itv --quiet < ${join(dir, "a.cpio")}`]);
  const lines = stdout.trim().split("\n");
  // "5,  1" for the device splits into two words, so take the name after the year (mtime 0 is 1970).
  expect(lines.map((l) => l.split(" 1970 ")[1])).toEqual(["bin", "bin/sh -> busybox", "dev", "dev/console", "usr", "usr/bin", "usr/bin/tool"]);
  expect(lines[3]).toMatch(/^crw------- .* 5,\s+1 /);
  expect(lines[6]).toMatch(/^-rwxr-xr-x .* 5 /);
});

test("InitramfsTree.toCpio() is byte-for-byte reproducible and 4-byte aligned", () => {
  const a = sample();
  expect(Buffer.from(a).equals(Buffer.from(sample()))).toBe(true);
  expect(a.byteLength % 4).toBe(0);
  expect(new TextDecoder().decode(a.subarray(a.byteLength - 20))).toContain("TRAILER!!!");
});
