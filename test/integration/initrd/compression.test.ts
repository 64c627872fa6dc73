import { describe, expect, test } from "bun:test";
import { crc32, detectFormat } from "../../../src/initrd/compression.ts";
import { writeNewcArchive } from "../../../src/initrd/cpio-newc.ts";
import { compress, payloadArchive } from "../support/real-members.ts";

const payload = payloadArchive("compression");

describe("detectFormat() on members made by the real tools", () => {
  test.each([
    ["gzip -9", compress.gzip, "gzip", "gzip"],
    ["bzip2", compress.bzip2, "bzip2", "bzip2"],
    ["lzma", compress.lzma, "lzma", "lzma"],
    ["xz --check=crc32", compress.xzCrc32, "xz", "xz"],
    ["lz4 -l", compress.lz4Legacy, "lz4-legacy", "lz4"],
    ["lz4 (frame)", compress.lz4Frame, "lz4-frame", null],
    ["zstd", compress.zstd, "zstd", "zstd"],
    ["lzop", compress.lzo, "lzo", "lzo"],
  ] as const)("recognises %s", (_, make, format, compressor) => {
    const d = detectFormat(make(payload).subarray(0, 1024));
    expect(d.format).toBe(format);
    expect(d.compressor).toBe(compressor);
  });

  test("recognises GNU cpio newc output and ukiboot's own archives as raw newc", () => {
    expect(detectFormat(payload).format).toBe("newc");
    expect(detectFormat(writeNewcArchive({ target: ".extra", dirMode: 0o555, fileMode: 0o444, files: [] })).format).toBe("newc");
  });

  test("recognises the cpio formats the kernel refuses", () => {
    const odc = Bun.spawnSync(["cpio", "-o", "-H", "odc", "--quiet"], { stdin: new TextEncoder().encode("/dev/null\n"), stdout: "pipe" });
    expect(detectFormat(new Uint8Array(odc.stdout)).format).toBe("cpio-other");
    const crc = Bun.spawnSync(["cpio", "-o", "-H", "crc", "--quiet"], { stdin: new TextEncoder().encode("/dev/null\n"), stdout: "pipe" });
    expect(detectFormat(new Uint8Array(crc.stdout)).format).toBe("newc-crc");
  });

  test.each([
    ["--check=crc32", compress.xzCrc32, "crc32", 1],
    ["--check=crc64", compress.xzCrc64, "crc64", 4],
    ["--check=sha256", compress.xzSha256, "sha256", 10],
    ["--check=none", compress.xzNone, "none", 0],
  ] as const)("reads the xz check type of xz %s", (_, make, check, id) => {
    const d = detectFormat(make(payload).subarray(0, 1024));
    expect(d.xz).toMatchObject({ check, checkId: id, headerValid: true, filters: [0x21] });
  });

  test("reads the xz filter chain of the first block", () => {
    expect(detectFormat(compress.xzX86(payload)).xz?.filters).toEqual([0x04, 0x21]);
    expect(detectFormat(compress.xzDelta(payload)).xz?.filters).toEqual([0x03, 0x21]);
  });

  test("notices a damaged xz stream header", () => {
    const bad = compress.xzCrc32(payload).slice(0, 64);
    bad[7] = 0x04; // CRC64 without fixing the header CRC32
    expect(detectFormat(bad).xz).toMatchObject({ headerValid: false, filters: null });
  });

  test.each([
    ["gzip (old magic)", [0x1f, 0x9e, 0, 0], "gzip"],
    ["two matching bytes are enough for the kernel", [0x28, 0xb5, 0, 0], "zstd"],
    ["a PE file", [0x4d, 0x5a, 0x90, 0], "unknown"],
    ["text", [0x68, 0x65, 0x6c, 0x6c], "unknown"],
    ["a lone '0'", [0x30], "cpio-other"],
    ["nothing", [], "unknown"],
  ])("classifies %s", (_, bytes, format) => {
    expect<string>(detectFormat(new Uint8Array(bytes)).format).toBe(format);
  });
});

describe("crc32()", () => {
  test("matches the IEEE check value", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });
});
