/**
 * EFI zboot images made from a real arm64 Image, laid out as the kernel's zboot-header.S does (no packaged
 * Debian kernel is built with CONFIG_EFI_ZBOOT, docs/kexec.md §10): "MZ", "zimg", the payload's offset and
 * size, two reserved words, the compression's name, the Linux PE magic at 0x38; then the compressed Image at a
 * page boundary, followed for gzip by its uncompressed size (which payload_size leaves out, as the kernel's
 * ZBOOT_SIZE_LEN). It is a PE image, as a real one is (ukify keeps a PE .linux as it is, and decompresses
 * anything else): one section holds the payload. The decompressor EFI would run is left out: kexec never runs it.
 */
export const ZBOOT_PAYLOAD_OFFSET = 4096;

export function zbootImage(image: Uint8Array, compression: "gzip" | "zstd" | string): Uint8Array {
  const payload =
    compression === "gzip"
      ? Bun.gzipSync(image as Uint8Array<ArrayBuffer>)
      : compression === "zstd"
        ? Bun.zstdCompressSync(image as Uint8Array<ArrayBuffer>)
        : new Uint8Array(1024).fill(0x5d);
  const tail = compression === "gzip" ? 4 : 0;
  const out = new Uint8Array(ZBOOT_PAYLOAD_OFFSET + payload.byteLength + tail);
  const dv = new DataView(out.buffer);
  out.set([0x4d, 0x5a], 0);
  out.set(new TextEncoder().encode("zimg"), 4);
  dv.setUint32(8, ZBOOT_PAYLOAD_OFFSET, true);
  dv.setUint32(12, payload.byteLength, true);
  out.set(new TextEncoder().encode(`${compression}\0`), 24);
  dv.setUint32(0x38, 0x818223cd, true);
  dv.setUint32(0x3c, 0x40, true);
  peHeaders(dv, out.byteLength - ZBOOT_PAYLOAD_OFFSET);
  out.set(payload, ZBOOT_PAYLOAD_OFFSET);
  if (tail) dv.setUint32(ZBOOT_PAYLOAD_OFFSET + payload.byteLength, image.byteLength, true);
  return out;
}

/** "PE\0\0", the COFF header (arm64, one section), a PE32+ optional header for an EFI application, and the section. */
function peHeaders(dv: DataView, rawSize: number): void {
  const pe = 0x40;
  dv.setUint32(pe, 0x00004550, true);
  const coff = pe + 4;
  dv.setUint16(coff, 0xaa64, true); // IMAGE_FILE_MACHINE_ARM64
  dv.setUint16(coff + 2, 1, true); // one section
  dv.setUint16(coff + 16, 240, true); // SizeOfOptionalHeader: PE32+ with 16 data directories
  dv.setUint16(coff + 18, 0x0206, true); // executable, no line numbers, no debug info
  const opt = coff + 20;
  const rawAligned = Math.ceil(rawSize / 512) * 512;
  dv.setUint16(opt, 0x20b, true); // PE32+
  dv.setUint32(opt + 8, rawAligned, true); // SizeOfInitializedData
  dv.setUint32(opt + 16, ZBOOT_PAYLOAD_OFFSET, true); // AddressOfEntryPoint
  dv.setUint32(opt + 32, 4096, true); // SectionAlignment
  dv.setUint32(opt + 36, 512, true); // FileAlignment
  dv.setUint32(opt + 56, ZBOOT_PAYLOAD_OFFSET + Math.ceil(rawSize / 4096) * 4096, true); // SizeOfImage
  dv.setUint32(opt + 60, ZBOOT_PAYLOAD_OFFSET, true); // SizeOfHeaders
  dv.setUint16(opt + 68, 10, true); // Subsystem: EFI application
  dv.setUint32(opt + 108, 16, true); // NumberOfRvaAndSizes
  const sec = opt + 240;
  new Uint8Array(dv.buffer).set(new TextEncoder().encode(".data"), sec);
  dv.setUint32(sec + 8, rawSize, true); // VirtualSize
  dv.setUint32(sec + 12, ZBOOT_PAYLOAD_OFFSET, true); // VirtualAddress
  dv.setUint32(sec + 16, Math.min(rawAligned, rawSize), true); // SizeOfRawData (the file ends with the payload)
  dv.setUint32(sec + 20, ZBOOT_PAYLOAD_OFFSET, true); // PointerToRawData
  dv.setUint32(sec + 36, 0xc0000040, true); // initialised data, readable, writable
}
