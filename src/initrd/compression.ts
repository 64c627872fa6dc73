/**
 * What the kernel sees at the start of an initrd member: a raw cpio archive or one of the compressors
 * it detects by magic (Linux lib/decompress.c compressed_formats[], init/initramfs.c unpack_to_rootfs()),
 * plus the xz stream details its decoder cares about (check type, filter chain; xz file format 1.x §2.1, §3).
 */

/**
 * - newc / newc-crc: "070701" / "070702" raw archives.
 * - cpio-other: starts with "0" but is not newc (odc "070707", junk); the kernel parses it as cpio and fails.
 * - lz4-legacy: the only LZ4 container the kernel reads (`lz4 -l`); lz4-frame is not recognised by it.
 * - unknown: no magic the kernel knows ("invalid magic at start of compressed archive").
 */
export type MemberFormat = "newc" | "newc-crc" | "cpio-other" | "gzip" | "bzip2" | "lzma" | "xz" | "lzo" | "lz4-legacy" | "lz4-frame" | "zstd" | "unknown";

/** The compressors the kernel can be built with, under their CONFIG_RD_* names. */
export type KernelCompressor = "gzip" | "bzip2" | "lzma" | "xz" | "lzo" | "lz4" | "zstd";

export interface XzStreamInfo {
  /** Check ID from the stream flags: 0 none, 1 CRC32, 4 CRC64, 10 SHA-256, others reserved. */
  checkId: number;
  check: "none" | "crc32" | "crc64" | "sha256" | "reserved";
  /** Whether the stream-flags CRC32 in the header matches. */
  headerValid: boolean;
  /** Filter IDs of the first block in chain order (0x21 = LZMA2), or null when the head is too short or has no block. */
  filters: number[] | null;
}

export interface FormatDetection {
  format: MemberFormat;
  /** The compressor the kernel would call, or null for raw cpio and unknown data. */
  compressor: KernelCompressor | null;
  /** Only for xz. */
  xz?: XzStreamInfo;
}

/** xz filter IDs and the kernel option that enables each in its decoder (lib/xz; LZMA2 is always there). */
export const XZ_FILTERS: Readonly<Record<number, { name: string; config: string | null }>> = {
  0x03: { name: "delta", config: null },
  0x04: { name: "x86 BCJ", config: "CONFIG_XZ_DEC_X86" },
  0x05: { name: "PowerPC BCJ", config: "CONFIG_XZ_DEC_POWERPC" },
  0x06: { name: "IA-64 BCJ", config: "CONFIG_XZ_DEC_IA64" },
  0x07: { name: "ARM BCJ", config: "CONFIG_XZ_DEC_ARM" },
  0x08: { name: "ARM-Thumb BCJ", config: "CONFIG_XZ_DEC_ARMTHUMB" },
  0x09: { name: "SPARC BCJ", config: "CONFIG_XZ_DEC_SPARC" },
  0x0a: { name: "ARM64 BCJ", config: "CONFIG_XZ_DEC_ARM64" },
  0x0b: { name: "RISC-V BCJ", config: "CONFIG_XZ_DEC_RISCV" },
  0x21: { name: "LZMA2", config: null },
};
export const XZ_FILTER_LZMA2 = 0x21;

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

/**
 * Classifies a member from its first bytes the way the kernel does: raw cpio when the first byte is "0",
 * else the first two bytes select a decompressor. Give at least 6 bytes; 1 KiB lets xz's first block
 * header be read too.
 * @example detectFormat(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd])).format  // "zstd"
 */
export function detectFormat(head: Uint8Array): FormatDetection {
  const b0 = head[0];
  const b1 = head[1];
  if (b0 === 0x30) {
    const magic = ascii(head.subarray(0, 6));
    if (magic === "070701") return { format: "newc", compressor: null };
    if (magic === "070702") return { format: "newc-crc", compressor: null };
    return { format: "cpio-other", compressor: null };
  }
  // The kernel matches two bytes only; the longer magics of the formats are not checked by it.
  if (b0 === 0x1f && (b1 === 0x8b || b1 === 0x9e)) return { format: "gzip", compressor: "gzip" };
  if (b0 === 0x42 && b1 === 0x5a) return { format: "bzip2", compressor: "bzip2" };
  if (b0 === 0x5d && b1 === 0x00) return { format: "lzma", compressor: "lzma" };
  if (b0 === 0xfd && b1 === 0x37) return { format: "xz", compressor: "xz", xz: readXzStreamInfo(head) };
  if (b0 === 0x89 && b1 === 0x4c) return { format: "lzo", compressor: "lzo" };
  if (b0 === 0x02 && b1 === 0x21) return { format: "lz4-legacy", compressor: "lz4" };
  if (b0 === 0x28 && b1 === 0xb5) return { format: "zstd", compressor: "zstd" };
  if (b0 === 0x04 && b1 === 0x22 && head[2] === 0x4d && head[3] === 0x18) return { format: "lz4-frame", compressor: null };
  return { format: "unknown", compressor: null };
}

function readXzStreamInfo(head: Uint8Array): XzStreamInfo {
  // Stream header: magic[6], stream flags[2] (0x00, check ID in the low nibble), CRC32 of the flags[4].
  const magicOk = XZ_MAGIC.every((b, i) => head[i] === b);
  const flags = head.subarray(6, 8);
  const checkId = head.length >= 8 ? head[7]! & 0x0f : -1;
  const storedCrc = head.length >= 12 ? (head[8]! | (head[9]! << 8) | (head[10]! << 16) | (head[11]! << 24)) >>> 0 : -1;
  const headerValid = magicOk && head.length >= 12 && head[6] === 0 && (head[7]! & 0xf0) === 0 && crc32(flags) === storedCrc;
  return { checkId, check: checkName(checkId), headerValid, filters: headerValid ? readFirstBlockFilters(head, 12) : null };
}

function checkName(id: number): XzStreamInfo["check"] {
  if (id === 0) return "none";
  if (id === 1) return "crc32";
  if (id === 4) return "crc64";
  if (id === 10) return "sha256";
  return "reserved";
}

/** Block header (xz format docs/entries.md §3): size byte, flags, optional sizes, then per filter: ID, properties size, properties. */
function readFirstBlockFilters(head: Uint8Array, at: number): number[] | null {
  const sizeByte = head[at];
  if (sizeByte === undefined || sizeByte === 0) return null; // 0 starts the index: an empty stream
  const end = at + (sizeByte + 1) * 4;
  if (end > head.length) return null;
  const flags = head[at + 1]!;
  let p = at + 2;
  const count = (flags & 0x03) + 1;
  const readVli = (): number | null => {
    let v = 0;
    for (let i = 0; i < 9 && p < end; i++) {
      const b = head[p++]!;
      v += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return v;
    }
    return null;
  };
  if (flags & 0x40 && readVli() === null) return null; // compressed size
  if (flags & 0x80 && readVli() === null) return null; // uncompressed size
  const filters: number[] = [];
  for (let i = 0; i < count; i++) {
    const id = readVli();
    const propSize = readVli();
    if (id === null || propSize === null) return null;
    filters.push(id);
    p += propSize;
    if (p > end) return null;
  }
  return filters;
}

/** CRC-32 (IEEE 802.3, reflected), as xz uses for its headers. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function ascii(b: Uint8Array): string {
  return String.fromCharCode(...b);
}
