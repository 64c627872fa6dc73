/**
 * A pre-flight check of the kernel image handed to kexec_file_load on x86_64 (arm64: arm64-kernel.ts). The x86 bzImage loader checks the
 * setup header but not that the protected-mode code is all there, so a truncated kernel loads fine and
 * dies in its decompressor after the jump; checking the header's own size fields first turns that into a
 * message and a fallback to the next entry. (Linux boot protocol, Documentation/arch/x86/boot.rst.)
 */

/** Bytes of the image header this check reads. */
export const KERNEL_HEADER_BYTES = 0x268;

export type KernelImageFormat = "bzImage" | "arm64-image" | "efi-zboot" | "pe" | "unknown";

export interface KernelImageCheck {
  format: KernelImageFormat;
  /** A sentence when the image is certainly unbootable; undefined otherwise. */
  problem?: string;
  /** bzImage init_size (boot protocol 2.10+): the memory the kernel needs to decompress and start. */
  initSize?: number;
  /** bzImage boot protocol version, as the header writes it (0x020f is 2.15). */
  protocol?: number;
  /**
   * bzImage (boot protocol 2.08+): where the compressed kernel is in the file, from payload_offset and
   * payload_length, which count from the end of the setup sectors.
   */
  payload?: { offset: number; size: number };
}

/**
 * Checks `header` (the first bytes of an image of `size` bytes).
 * @example checkKernelImage(first616Bytes, 11_000_000).problem // undefined for an intact bzImage
 */
export function checkKernelImage(header: Uint8Array, size: number): KernelImageCheck {
  const dv = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const ascii = (o: number, n: number) => (header.byteLength >= o + n ? String.fromCharCode(...header.subarray(o, o + n)) : "");
  if (ascii(0x202, 4) === "HdrS") {
    // setup_sects 0 means 4 (boot protocol); syssize counts 16-byte paragraphs of protected-mode code.
    const setupSects = header[0x1f1] || 4;
    const syssize = dv.getUint32(0x1f4, true);
    const needed = (setupSects + 1) * 512 + syssize * 16;
    if (needed > size) {
      return { format: "bzImage", problem: `the kernel image is truncated: its header says ${needed} bytes, but there are only ${size}` };
    }
    const version = dv.getUint16(0x206, true);
    const out: KernelImageCheck = { format: "bzImage", protocol: version };
    if (version >= 0x208 && header.byteLength >= 0x250) {
      const offset = (setupSects + 1) * 512 + dv.getUint32(0x248, true);
      const length = dv.getUint32(0x24c, true);
      if (offset + length <= size) out.payload = { offset, size: length };
    }
    if (version >= 0x20a && header.byteLength >= 0x264) out.initSize = dv.getUint32(0x260, true);
    return out;
  }
  // kexec_file_load on x86_64 has one loader, for bzImages: other kernels are named and refused here.
  const x86Only = "kexec_file_load on x86_64 loads bzImages only";
  if (ascii(0x38, 4) === "ARM\x64") return { format: "arm64-image", problem: `the kernel image is an arm64 Image, and ${x86Only}` };
  if (ascii(0, 2) === "MZ" && ascii(4, 4) === "zimg")
    return { format: "efi-zboot", problem: `the kernel image is an EFI zboot image (another architecture's), and ${x86Only}` };
  if (ascii(0, 2) === "MZ") return { format: "pe", problem: `the kernel image is a PE program without a Linux boot header, and ${x86Only}` };
  return { format: "unknown", problem: "the kernel image is neither a bzImage nor another format Linux can kexec" };
}
