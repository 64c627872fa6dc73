/**
 * One sentence on how a kernel is packed and what kexec_file_load on its architecture makes of it
 * (docs/kexec.md §10), for `ukiboot inspect`: the boot's own classifier (src/kernel-image/classify-kernel.ts).
 */
import type { EfiArch } from "../pe/efi-arch.ts";
import { classifyKernel, machineOfEfiArch } from "../kernel-image/classify-kernel.ts";

export function describeKernelFormat(header: Uint8Array, size: number, arch: EfiArch | undefined, source: string): string {
  const k = classifyKernel(header, size, machineOfEfiArch(arch), source);
  switch (k.kind) {
    case "refused":
      return `refused: ${k.problem}`;
    case "unchecked":
      return "not checked: ukiboot loads kernels on x64 and aa64 only";
    case "image":
      return `arm64 Image${k.pageSize ? ` (${k.pageSize / 1024} KiB pages)` : ""}, ${k.imageSize} bytes in memory: loaded as it is`;
    case "gzip":
      return "gzip-compressed arm64 Image: decompressed by ukiboot before loading";
    case "zboot":
      return `EFI zboot image, ${k.compression} payload of ${k.payloadSize} bytes at ${k.payloadOffset}: decompressed by ukiboot before loading`;
    case "bzImage":
      return `bzImage${k.check.initSize ? `, ${k.check.initSize} bytes to decompress and start` : ""}: loaded as it is`;
  }
}
