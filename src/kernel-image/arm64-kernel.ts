/**
 * arm64 kernel formats (docs/kexec.md §10). kexec_file_load on arm64 takes a plain little-endian `Image`
 * only; Debian's arm64 vmlinuz is such an Image (with an EFI stub), other builds gzip it, and kernels built
 * with CONFIG_EFI_ZBOOT wrap a compressed Image in a small PE program. What each is, and whether its header
 * can be believed, is read here from its first bytes; undoing the compression is the loader's.
 */

/** The bytes of a kernel's start this reads: the Image header, or the zboot header with its compression name. */
export const ARM64_HEADER_BYTES = 64;

export type ZbootCompression = "gzip" | "zstd";

export type Arm64Kernel =
  /** A plain Image: `imageSize` is what it takes in memory, BSS included, so it exceeds the file. */
  | { kind: "image"; imageSize: number; pageSize: number | undefined; bigEndian: false }
  /** A gzip stream, which should hold an Image. */
  | { kind: "gzip" }
  /** An EFI zboot image: the compressed Image is `payloadSize` bytes at `payloadOffset`. */
  | { kind: "zboot"; payloadOffset: number; payloadSize: number; compression: ZbootCompression };

const PAGE_SIZES = [undefined, 4096, 16384, 65536] as const;

/** What the kernels' zboot builds may name; ukiboot undoes the two the runtime has (docs/kexec.md §10). */
const KNOWN_COMPRESSIONS = new Set(["gzip", "zstd", "lzma", "xzkern", "lz4", "lzo", "bzip2"]);

/**
 * Identifies an arm64 kernel from `header` (its first bytes) and the file's `size`; `source` names it in
 * messages. Never throws: a header that cannot be believed is an `error` sentence.
 * @example identifyArm64Kernel(first64, 30894016, "/efi/EFI/Linux/x.efi (.linux)") // { kind: "image", … }
 */
export function identifyArm64Kernel(header: Uint8Array, size: number, source: string): Arm64Kernel | { error: string } {
  const fail = (why: string) => ({ error: `Cannot use the kernel ${source}: ${why}` });
  if (header.byteLength >= 3 && header[0] === 0x1f && header[1] === 0x8b && header[2] === 0x08) return { kind: "gzip" };
  if (header.byteLength < ARM64_HEADER_BYTES) return fail(`it has only ${header.byteLength} bytes, fewer than an arm64 kernel header's ${ARM64_HEADER_BYTES}`);
  const dv = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const ascii = (o: number, n: number) => String.fromCharCode(...header.subarray(o, o + n));
  if (ascii(0, 2) === "MZ" && ascii(4, 4) === "zimg") {
    const payloadOffset = dv.getUint32(8, true);
    const payloadSize = dv.getUint32(12, true);
    const nameBytes = header.subarray(24, 0x38);
    const end = nameBytes.indexOf(0);
    const name = ascii(24, end < 0 ? nameBytes.byteLength : end);
    if (name === "") return fail("its EFI zboot header names no compression");
    if (!/^[a-z0-9]+$/.test(name) || !KNOWN_COMPRESSIONS.has(name))
      return fail(
        `it is an EFI zboot image compressed with "${name.replace(/[^\x20-\x7e]/g, "?")}", which ukiboot does not know; only gzip and zstd are undone`,
      );
    if (name !== "gzip" && name !== "zstd")
      return fail(
        `it is an EFI zboot image compressed with ${name}; only gzip and zstd are undone (build the kernel with CONFIG_KERNEL_GZIP or CONFIG_KERNEL_ZSTD)`,
      );
    if (payloadSize === 0) return fail("its EFI zboot header says the compressed kernel is empty");
    if (payloadOffset + payloadSize > size) {
      return fail(
        `its EFI zboot header puts the compressed kernel at bytes ${payloadOffset} to ${payloadOffset + payloadSize}, past the end of the file at ${size}`,
      );
    }
    return { kind: "zboot", payloadOffset, payloadSize, compression: name };
  }
  if (ascii(0x38, 4) === "ARM\x64") {
    const imageSize = Number(dv.getBigUint64(16, true));
    const flags = Number(dv.getBigUint64(24, true) & 0xffn);
    if (flags & 1) return fail("it is a big-endian arm64 Image, and kexec_file_load on arm64 loads little-endian kernels only");
    // image_size 0: a kernel older than 3.17, whose size in memory is not stated.
    if (imageSize !== 0 && imageSize < size)
      return fail(`its arm64 header says the image takes ${imageSize} bytes in memory, fewer than the ${size} bytes of the file`);
    return { kind: "image", imageSize, pageSize: PAGE_SIZES[(flags >> 1) & 3], bigEndian: false };
  }
  return fail("it is neither an arm64 Image, a gzip stream, nor an EFI zboot image");
}
