/**
 * One sentence on how a kernel is packed and what kexec_file_load on its architecture makes of it
 * (docs/kexec.md §10), for `ukiboot inspect`: the same checks the boot makes before loading.
 */
import type { EfiArch } from "../pe/efi-arch.ts";
import { identifyArm64Kernel } from "../kexec/arm64-kernel.ts";
import { checkKernelImage } from "../kexec/kernel-image.ts";

export function describeKernelFormat(header: Uint8Array, size: number, arch: EfiArch | undefined, source: string): string {
  if (arch === "aa64") {
    const k = identifyArm64Kernel(header, size, source);
    if ("error" in k) return `refused: ${k.error}`;
    if (k.kind === "image") return `arm64 Image${k.pageSize ? ` (${k.pageSize / 1024} KiB pages)` : ""}, ${k.imageSize} bytes in memory: loaded as it is`;
    if (k.kind === "gzip") return "gzip-compressed arm64 Image: decompressed by ukiboot before loading";
    return `EFI zboot image, ${k.compression} payload of ${k.payloadSize} bytes at ${k.payloadOffset}: decompressed by ukiboot before loading`;
  }
  if (arch === "x64") {
    const c = checkKernelImage(header, size);
    return c.problem ? `refused: ${c.problem}` : `bzImage${c.initSize ? `, ${c.initSize} bytes to decompress and start` : ""}: loaded as it is`;
  }
  return `not checked: ukiboot loads kernels on x64 and aa64 only`;
}
