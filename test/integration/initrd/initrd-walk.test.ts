import { describe, expect, test } from "bun:test";
import { bytesSource, createSourceReader } from "../../../src/bytes/byte-source.ts";
import { writeNewcArchive } from "../../../src/initrd/cpio-newc.ts";
import { walkInitrdMember, type MemberSegment } from "../../../src/initrd/initrd-walk.ts";
import { concatBytes } from "../../../src/bytes/concat-bytes.ts";
import { compress, gnuCpioArchive, payloadArchive } from "../support/real-members.ts";

const enc = new TextEncoder();
const walk = (bytes: Uint8Array, baseOffset = 0) => walkInitrdMember(createSourceReader(bytesSource(bytes)), bytes.length, { baseOffset });
const cat = (...parts: Uint8Array[]) => concatBytes(parts);
const shape = (segs: MemberSegment[]) =>
  segs.map((s) =>
    s.type === "stream" ? `stream:${s.detection.format}` : s.type === "newc" ? `newc:${s.entries.length}${s.trailer ? "" : ":open"}` : `zeros:${s.size}`,
  );

const early = gnuCpioArchive({ "kernel/x86/microcode/GenuineIntel.bin": "intel-ucode", "kernel/x86/microcode/AuthenticAMD.bin": "amd-ucode" });
const small = writeNewcArchive({ target: ".extra", dirMode: 0o555, fileMode: 0o444, files: [{ name: "os-release", bytes: enc.encode("ID=x\n") }] });

describe("walkInitrdMember()", () => {
  test("reads a GNU cpio archive up to its trailer and the 512-byte block padding after it", async () => {
    const w = await walk(early);
    expect(w.problems).toEqual([]);
    expect(shape(w.segments)).toEqual(["newc:5", `zeros:${(w.segments[1] as { size: number }).size}`]);
    const newc = w.segments[0]!;
    expect(newc.type === "newc" && newc.entries.map((e) => e.name)).toEqual([
      "kernel",
      "kernel/x86",
      "kernel/x86/microcode",
      "kernel/x86/microcode/AuthenticAMD.bin",
      "kernel/x86/microcode/GenuineIntel.bin",
    ]);
    expect(early.length % 512).toBe(0);
  });

  test("follows a Debian-style initrd: an uncompressed early archive, then the compressed main archive", async () => {
    const w = await walk(cat(early, compress.zstd(payloadArchive("main"))));
    expect(w.problems).toEqual([]);
    expect(shape(w.segments).filter((s) => !s.startsWith("zeros"))).toEqual(["newc:5", "stream:zstd"]);
  });

  test("follows several archives concatenated in one member", async () => {
    const w = await walk(cat(small, small, new Uint8Array(8), small));
    expect(w.problems).toEqual([]);
    expect(shape(w.segments)).toEqual(["newc:2", "newc:2", "zeros:8", "newc:2"]);
  });

  test("reads a member of only NULs as padding", async () => {
    expect(shape((await walk(new Uint8Array(12))).segments)).toEqual(["zeros:12"]);
  });

  const broken: [string, () => Uint8Array, number, RegExp][] = [
    ["cut inside a header", () => small.subarray(0, 200), 0, /ends inside the record header/],
    ["cut inside a file's data", () => small.subarray(0, 0x78 + 110 + 20), 0, /runs past the end of the member/],
    ["without its trailer", () => small.subarray(0, small.length - 124), 0, /without a TRAILER!!! record/],
    ["with a record in odc format", () => setText(small.slice(), 0x78, "070707"), 0, /odc/],
    ["with a record whose magic is wrong", () => setText(small.slice(), 0x78, "070703"), 0, /no newc magic/],
    ["with a header field that is not hex", () => setText(small.slice(), 0x78 + 6, "0000000g"), 0, /not 8 hex digits/],
    ["with a zero name size", () => setText(small.slice(), 0x78 + 94, "00000000"), 0, /name size of 0/],
    ["with a name that is not NUL-terminated", () => setText(small.slice(), 0x78 + 94, "00000006"), 0, /not NUL-terminated/],
    ["with data after the trailer at an unaligned offset", () => cat(small, new Uint8Array(1), compress.gzip(small)), 0, /broken padding/],
    ["starting at an unaligned offset", () => small, 2, /unaligned offset 0x2/],
  ];
  test.each(broken)("reports an archive %s", async (_, make, base, message) => {
    const w = await walk(make(), base);
    expect(w.problems).toHaveLength(1);
    expect(w.problems[0]!.message).toMatch(message);
  });

  test("never throws on mutated input (fuzz)", async () => {
    const seeds = [small, early.subarray(0, 700), cat(small, compress.gzip(small))];
    let state = 0x2545f491;
    const rand = (n: number) => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    for (let i = 0; i < 600; i++) {
      const m = seeds[i % seeds.length]!.slice(0, 1 + rand(seeds[i % seeds.length]!.length));
      for (let k = 0; k < 1 + rand(4); k++) m[rand(m.length)] = rand(4) === 0 ? 0x30 + rand(10) : rand(256);
      const w = await walk(m, rand(4));
      expect(Array.isArray(w.segments)).toBe(true);
    }
  });
});

function setText(bytes: Uint8Array, at: number, text: string): Uint8Array {
  bytes.set(enc.encode(text), at);
  return bytes;
}
