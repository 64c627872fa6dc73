/** `ukiboot inspect`'s kernel line (docs/kexec.md §10): the same checks as the boot, per architecture. */
import { expect, test } from "bun:test";
import { describeKernelFormat } from "../../../src/report/kernel-format.ts";
import { zbootImage } from "../../lab/zboot.ts";

const image = (() => {
  const b = new Uint8Array(4096);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(16, 8192n, true);
  dv.setBigUint64(24, 0xan, true);
  b.set(new TextEncoder().encode("ARM\x64"), 0x38);
  return b;
})();

test.each([
  ["an arm64 Image on aa64", image, "aa64", "arm64 Image (4 KiB pages), 8192 bytes in memory: loaded as it is"],
  ["a gzip Image on aa64", Bun.gzipSync(image), "aa64", "gzip-compressed arm64 Image: decompressed by ukiboot before loading"],
  ["an arm64 Image on x64", image, "x64", "refused: the kernel image is an arm64 Image, and kexec_file_load on x86_64 loads bzImages only"],
  ["text on aa64", new TextEncoder().encode("#!/bin/sh\n".padEnd(64)), "aa64", "refused: it is neither an arm64 Image, a gzip stream, nor an EFI zboot image"],
] as const)("%s", (_n, bytes, arch, expected) => {
  expect(describeKernelFormat(bytes.subarray(0, 0x268), bytes.byteLength, arch, "k")).toBe(expected);
});

test("a zboot image names its payload", () => {
  const z = zbootImage(image, "zstd");
  expect(describeKernelFormat(z.subarray(0, 0x268), z.byteLength, "aa64", "k")).toMatch(
    /^EFI zboot image, zstd payload of \d+ bytes at 4096: decompressed by ukiboot before loading$/,
  );
});

test("inspect and the boot ask one classifier: each sentence above follows from classifyKernel's class for the UKI's machine", async () => {
  const { classifyKernel, machineOfEfiArch } = await import("../../../src/kernel-image/classify-kernel.ts");
  expect(classifyKernel(image, image.byteLength, machineOfEfiArch("aa64"), "k").kind).toBe("image");
  expect(classifyKernel(image, image.byteLength, machineOfEfiArch("x64"), "k")).toEqual({
    machine: "x86_64",
    kind: "refused",
    problem: "the kernel image is an arm64 Image, and kexec_file_load on x86_64 loads bzImages only",
  });
  expect(classifyKernel(image, image.byteLength, machineOfEfiArch("riscv64"), "k")).toEqual({ machine: "riscv64", kind: "unchecked" });
  expect(describeKernelFormat(image, image.byteLength, "riscv64" as never, "k")).toBe("not checked: ukiboot loads kernels on x64 and aa64 only");
});
