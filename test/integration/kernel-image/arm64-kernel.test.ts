/**
 * arm64 kernel formats (docs/kexec.md §10): the plain `Image` (its header, Documentation/arch/arm64/booting.rst),
 * a gzip-compressed Image, and the EFI zboot image (drivers/firmware/efi/libstub/zboot-header.S), each
 * recognised from its first bytes, and each malformed header refused with its own sentence.
 */
import { describe, expect, test } from "bun:test";
import { identifyArm64Kernel, ARM64_HEADER_BYTES } from "../../../src/kernel-image/arm64-kernel.ts";

/** An arm64 Image header: code0/code1, text_offset, image_size, flags, reserved, "ARM\x64" at 0x38, PE offset. */
function imageHeader(o: { imageSize?: bigint; flags?: bigint; efi?: boolean } = {}): Uint8Array {
  const b = new Uint8Array(ARM64_HEADER_BYTES);
  const dv = new DataView(b.buffer);
  if (o.efi !== false) b.set([0x4d, 0x5a], 0);
  dv.setBigUint64(16, o.imageSize ?? 0x1e70000n, true);
  dv.setBigUint64(24, o.flags ?? 0xan, true);
  b.set(new TextEncoder().encode("ARM\x64"), 0x38);
  return b;
}

/** A zboot header as zboot-header.S lays it out: "MZ\0\0", "zimg", payload offset and size, two reserved words, the compression name. */
function zbootHeader(o: { offset: number; size: number; comp: string }): Uint8Array {
  const b = new Uint8Array(ARM64_HEADER_BYTES);
  const dv = new DataView(b.buffer);
  b.set([0x4d, 0x5a], 0);
  b.set(new TextEncoder().encode("zimg"), 4);
  dv.setUint32(8, o.offset, true);
  dv.setUint32(12, o.size, true);
  b.set(new TextEncoder().encode(`${o.comp}\0`), 24);
  dv.setUint32(0x38, 0x818223cd, true);
  dv.setUint32(0x3c, 0x40, true);
  return b;
}

const SOURCE = "/esp/EFI/Linux/arm.efi (.linux)";

describe("identifyArm64Kernel()", () => {
  test("a plain Image: its size in memory, page size and endianness from the header", () => {
    expect(identifyArm64Kernel(imageHeader(), 30_894_016, SOURCE)).toEqual({ kind: "image", imageSize: 0x1e70000, pageSize: 4096, bigEndian: false });
  });

  test("image_size covers the BSS, so it may exceed the file; it may not be smaller than the file", () => {
    expect(identifyArm64Kernel(imageHeader({ imageSize: 0x1000n }), 30_894_016, SOURCE)).toEqual({
      error: `Cannot use the kernel ${SOURCE}: its arm64 header says the image takes 4096 bytes in memory, fewer than the 30894016 bytes of the file`,
    });
  });

  test("a big-endian Image is refused: kexec_file_load on arm64 takes little-endian kernels only", () => {
    expect(identifyArm64Kernel(imageHeader({ flags: 0xbn }), 30_000_000, SOURCE)).toMatchObject({ error: expect.stringContaining("big-endian") });
  });

  test("a gzip stream (Debian's vmlinuz on some arm64 kernels)", () => {
    const b = new Uint8Array(ARM64_HEADER_BYTES);
    b.set([0x1f, 0x8b, 0x08], 0);
    expect(identifyArm64Kernel(b, 12_000_000, SOURCE)).toEqual({ kind: "gzip" });
  });

  test.each([
    ["gzip", "gzip"],
    ["zstd", "zstd"],
  ])("an EFI zboot image with a %s payload", (comp, compression) => {
    expect(identifyArm64Kernel(zbootHeader({ offset: 0x10000, size: 9_000_000, comp }), 0x10000 + 9_000_004 + 4096, SOURCE)).toEqual({
      kind: "zboot",
      payloadOffset: 0x10000,
      payloadSize: 9_000_000,
      compression: compression as "gzip" | "zstd",
    });
  });

  test("a zboot payload that runs past the file is refused with the numbers", () => {
    expect(identifyArm64Kernel(zbootHeader({ offset: 0x10000, size: 9_000_000, comp: "gzip" }), 5_000_000, SOURCE)).toEqual({
      error: `Cannot use the kernel ${SOURCE}: its EFI zboot header puts the compressed kernel at bytes 65536 to 9065536, past the end of the file at 5000000`,
    });
  });

  test.each(["lzma", "xzkern", "lz4", "lzo", "bzip2", "\u0001bad"])("a zboot compression ukiboot cannot undo (%s) is named", (comp) => {
    const r = identifyArm64Kernel(zbootHeader({ offset: 0x1000, size: 100, comp }), 0x2000, SOURCE);
    expect("error" in r ? r.error : "").toMatch(/compressed with .*only gzip and zstd are undone/);
  });

  test("a zboot header with no compression name, or a payload of size 0, is malformed", () => {
    expect(identifyArm64Kernel(zbootHeader({ offset: 0x1000, size: 100, comp: "" }), 0x2000, SOURCE)).toMatchObject({
      error: expect.stringContaining("names no compression"),
    });
    expect(identifyArm64Kernel(zbootHeader({ offset: 0x1000, size: 0, comp: "gzip" }), 0x2000, SOURCE)).toMatchObject({
      error: expect.stringContaining("empty"),
    });
  });

  test("a header cut short, or bytes that are no arm64 kernel at all", () => {
    expect(identifyArm64Kernel(imageHeader().subarray(0, 40), 40, SOURCE)).toMatchObject({ error: expect.stringContaining("only 40 bytes") });
    expect(identifyArm64Kernel(new Uint8Array(ARM64_HEADER_BYTES), 1_000_000, SOURCE)).toMatchObject({
      error: expect.stringContaining("neither an arm64 Image"),
    });
  });
});

test("Debian's arm64 kernel (trixie) is a plain Image with 4K pages, larger in memory than on disk", async () => {
  const { debianArm64Parts } = await import("../../../build/debian.ts");
  const { vmlinuz } = await debianArm64Parts();
  const bytes = new Uint8Array(await Bun.file(vmlinuz).slice(0, ARM64_HEADER_BYTES).arrayBuffer());
  const size = Bun.file(vmlinuz).size;
  const found = identifyArm64Kernel(bytes, size, vmlinuz);
  expect(found).toMatchObject({ kind: "image", pageSize: 4096 });
  expect((found as { imageSize: number }).imageSize).toBeGreaterThan(size);
}, 300_000);
