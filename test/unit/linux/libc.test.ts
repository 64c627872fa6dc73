/** The bun:ffi layer against the real kernel, with calls that cannot change the machine. */
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync, openSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SysCallError } from "../../../src/errors.ts";
import { copyRange, fdSize, memfdCreate } from "../../../src/linux/memfd.ts";
import { mount } from "../../../src/linux/mounts.ts";
import { loadModuleFile } from "../../../src/linux/modules.ts";

test("memfdCreate() and copyRange() copy a file range into a memory file", () => {
  const dir = mkdtempSync(join(tmpdir(), "libc-"));
  const src = join(dir, "src.bin");
  const data = new Uint8Array(3 << 20).map((_, i) => i * 7);
  writeFileSync(src, data);
  const inFd = openSync(src, "r");
  const fd = memfdCreate("test");
  try {
    copyRange(inFd, 1000, 2 << 20, fd);
    expect(fdSize(fd)).toBe(2 << 20);
    const back = readFileSync(`/proc/self/fd/${fd}`);
    expect(Buffer.from(back).equals(Buffer.from(data.subarray(1000, 1000 + (2 << 20))))).toBe(true);
  } finally {
    closeSync(fd);
    closeSync(inFd);
  }
});

test("a failing call becomes a SysCallError naming the call, its arguments and the errno", () => {
  let err: unknown;
  try {
    mount("/nonexistent-device", join(mkdtempSync(join(tmpdir(), "mnt-")), "m"), "nosuchfs", 1);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SysCallError);
  const e = err as SysCallError;
  expect(e.syscall).toBe("mount");
  expect(e.errnoName).toBe("ENODEV");
  expect(e.message).toMatch(/^Cannot mount "\/nonexistent-device" on ".*": mount\("\/nonexistent-device", .*\) failed with ENODEV \(No such device\)$/);
  expect(e.hint).toBe('The kernel does not know the "nosuchfs" filesystem: include its module (fat, vfat, nls_*) in the initramfs');
});

test("loadModuleFile() on a file that is not a module fails with ENOEXEC or EPERM and says which file", () => {
  const dir = mkdtempSync(join(tmpdir(), "ko-"));
  const f = join(dir, "junk.ko");
  writeFileSync(f, "not an ELF module");
  expect(() => loadModuleFile(f)).toThrow(/Cannot load the kernel module ".*junk\.ko": finit_module\(.*\) failed with (ENOEXEC|EPERM|ENOSYS|EINVAL)/);
});
