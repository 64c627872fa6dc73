import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { debianParts } from "../../../build/debian.ts";
import { checkKernelImage, KERNEL_HEADER_BYTES } from "../../../src/kernel-image/kernel-image.ts";

test("checkKernelImage() accepts the intact Debian bzImage and refuses it cut short", async () => {
  const k = new Uint8Array(readFileSync((await debianParts()).vmlinuz));
  const header = k.subarray(0, KERNEL_HEADER_BYTES);
  const intact = checkKernelImage(header, k.length);
  expect(intact.problem).toBeUndefined();
  expect(intact.format).toBe("bzImage");
  // init_size (0x260): the memory the kernel needs to decompress and start, more than the file itself.
  const initSize = new DataView(k.buffer, k.byteOffset).getUint32(0x260, true);
  expect(intact.initSize).toBe(initSize);
  expect(initSize).toBeGreaterThan(k.length);
  // Where its compressed kernel is (boot protocol 2.08+): Debian's is a zstd stream with its size appended.
  expect(intact.protocol).toBe(0x020f);
  const payload = intact.payload!;
  expect([...k.subarray(payload.offset, payload.offset + 4)]).toEqual([0x28, 0xb5, 0x2f, 0xfd]);
  expect(payload.offset + payload.size).toBeLessThanOrEqual(k.length);
  const cut = checkKernelImage(header, Math.floor(k.length / 3));
  expect(cut.format).toBe("bzImage");
  expect(cut.problem).toMatch(/^the kernel image is truncated: its header says \d+ bytes, but there are only \d+$/);
}, 60_000);

test("checkKernelImage() names other formats and refuses text", () => {
  const arm = new Uint8Array(0x268);
  arm.set([0x41, 0x52, 0x4d, 0x64], 0x38);
  expect(checkKernelImage(arm, 1 << 20)).toEqual({
    format: "arm64-image",
    problem: "the kernel image is an arm64 Image, and kexec_file_load on x86_64 loads bzImages only",
  });
  expect(checkKernelImage(new TextEncoder().encode("hello kernel"), 12).problem).toContain("neither a bzImage");
});
