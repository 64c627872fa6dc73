/**
 * Load the bytes you verified: after `snapshots.take`, a file that changes on disk is still read as it was,
 * by the filesystem view the checks use and by the kexec loader's copy (the real memfd seals, no fakes).
 */
import { expect, test } from "bun:test";
import { mkdtempSync, openSync, readFileSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { layoutInitrd } from "../../../src/initrd/initrd-layout.ts";
import { createLinuxSys } from "../../../src/linux/linux-sys.ts";

function linuxSys() {
  return createLinuxSys({ stdio: { stdin: process.stdin, stdout: process.stdout, stderr: { write: () => true }, env: {} } });
}

test("a file changed after it was sealed is read, planned and copied as it was when sealed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "snapshot-"));
  const uki = join(dir, "a.efi");
  const verified = new Uint8Array(300_000).map((_, i) => i % 251);
  writeFileSync(uki, verified);
  const sys = linuxSys();
  await sys.snapshots.take([uki]);
  // A writer on the ESP swaps the file between the check and the load.
  writeFileSync(uki, new TextEncoder().encode("swapped: something else entirely"));

  expect((await sys.fs.stat(uki))?.size).toBe(verified.byteLength);
  expect(Buffer.from(await sys.fs.readRange(uki, 1000, 16)).equals(Buffer.from(verified.subarray(1000, 1016)))).toBe(true);
  const out = join(dir, "kernel.out");
  await sys.kexec.writeFiles(
    { label: uki, kernel: { type: "range", path: uki, offset: 0, size: verified.byteLength }, initrd: layoutInitrd([], { style: "type2" }), cmdline: "" },
    { kernel: out },
  );
  expect(Buffer.from(readFileSync(out)).equals(Buffer.from(verified))).toBe(true);

  sys.snapshots.release();
  expect((await sys.fs.stat(uki))?.size).toBe(32);
});

test("the sealed copy cannot be written through its descriptor either", async () => {
  const dir = mkdtempSync(join(tmpdir(), "snapshot-"));
  const file = join(dir, "k");
  writeFileSync(file, "kernel bytes");
  const sys = linuxSys();
  await sys.snapshots.take([file]);
  // The copy is the memfd named after the file; writing to it fails with EPERM (F_SEAL_WRITE).
  const { readdirSync, readlinkSync } = await import("node:fs");
  const fd = readdirSync("/proc/self/fd").find((n) => {
    try {
      return readlinkSync(`/proc/self/fd/${n}`).startsWith("/memfd:ukiboot-snapshot-k ");
    } catch {
      return false;
    }
  });
  expect(fd).toBeDefined();
  const copy = `/proc/self/fd/${fd}`;
  expect(readFileSync(copy, "utf8")).toBe("kernel bytes");
  let code: string | undefined;
  try {
    const w = openSync(copy, "r+");
    try {
      writeSync(w, "evil");
    } finally {
      closeSync(w);
    }
  } catch (e) {
    code = (e as NodeJS.ErrnoException).code;
  }
  expect(code).toBe("EPERM");
  sys.snapshots.release();
});

test("a sink is handed the bytes of the copy once, in order, as they are written, and the copy holds them all", async () => {
  const dir = mkdtempSync(join(tmpdir(), "snapshot-"));
  const uki = join(dir, "big.efi");
  // Larger than one step of the copy, and not a multiple of it.
  const original = new Uint8Array((3 << 20) + 12345).map((_, i) => (i * 31) % 253);
  writeFileSync(uki, original);
  const sys = linuxSys();
  const seen: Uint8Array[] = [];
  const sizes: number[] = [];
  await sys.snapshots.take([uki], (path, size) => {
    expect(path).toBe(uki);
    sizes.push(size);
    return { update: (chunk) => void seen.push(chunk.slice()) };
  });
  writeFileSync(uki, "swapped");
  expect(sizes).toEqual([original.byteLength]);
  expect(Buffer.concat(seen).equals(Buffer.from(original))).toBe(true);
  expect(Buffer.from(await sys.fs.readFile(uki)).equals(Buffer.from(original))).toBe(true);
  // A path already sealed is neither copied nor handed to a sink again.
  await sys.snapshots.take([uki], () => {
    throw new Error("not sealed twice");
  });
  sys.snapshots.release();
});
