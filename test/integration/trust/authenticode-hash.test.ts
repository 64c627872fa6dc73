import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { FormatError } from "../../../src/errors.ts";
import { AUTHENTICODE_HEAD_SIZE, digestRanges, digestRangesInMemory, planAuthenticodeHash } from "../../../src/trust/authenticode-hash.ts";
import { digest, toHex } from "../../../src/bytes/digest.ts";
import { hasProgram, run } from "../../../build/lib/run-command.ts";
import { missingFixtureTools, readBytes, trustFixtures } from "../support/real-trust-fixtures.ts";
import { winCertificate, writeTinyPe } from "../../unit/trust/tiny-pe.ts";

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const plan = (b: Uint8Array) => planAuthenticodeHash(b, b.length, { source: "test.efi" });

describe("planAuthenticodeHash() ranges", () => {
  test("skips CheckSum and the certificate directory entry, then hashes sections in file order and trailing data", () => {
    const pe = writeTinyPe({
      sections: [
        { name: ".text", data: bytes(0x300, 1) },
        { name: ".data", data: bytes(0x10, 2) },
      ],
      trailing: bytes(0x30, 3),
      certificateTable: winCertificate(bytes(0x20, 4)),
    });
    const l = plan(pe.bytes);
    const a = pe.at;
    expect(l.ranges).toEqual([
      { offset: 0, length: a.checksum }, // up to CheckSum
      { offset: a.checksum + 4, length: a.certEntry - (a.checksum + 4) }, // up to DataDirectory[4]
      { offset: a.certEntry + 8, length: a.sizeOfHeaders - (a.certEntry + 8) }, // rest of the headers
      { offset: a.sections[0]!, length: 0x400 }, // SizeOfRawData is file-aligned
      { offset: a.sections[1]!, length: 0x200 },
      { offset: a.trailing, length: a.certificateTable - a.trailing }, // trailing data incl. 8-byte alignment
    ]);
    expect(l.certificateTable).toEqual({ offset: a.certificateTable, length: 0x28 });
    // PE32+ opt header at 0x58: CheckSum at 0x98, certificate entry at 0x58 + 112 + 32.
    expect([a.checksum, a.certEntry]).toEqual([0x98, 0xe8]);
  });

  test("uses the PE32 offsets for magic 0x10b", () => {
    const pe = writeTinyPe({ plus: false, sections: [{ name: ".text", data: bytes(0x10, 1) }], certificateTable: winCertificate(bytes(8, 4)) });
    const l = plan(pe.bytes);
    expect(l.optionalHeaderMagic).toBe(0x10b);
    expect(pe.at.certEntry).toBe(0x58 + 96 + 32);
    expect(l.ranges.slice(0, 3)).toEqual([
      { offset: 0, length: 0x98 },
      { offset: 0x9c, length: pe.at.certEntry - 0x9c },
      { offset: pe.at.certEntry + 8, length: pe.at.sizeOfHeaders - pe.at.certEntry - 8 },
    ]);
  });

  test("sorts sections by PointerToRawData, not table order", () => {
    const pe = writeTinyPe({
      sections: [
        { name: ".a", data: bytes(0x10, 1) },
        { name: ".b", data: bytes(0x10, 2) },
      ],
    });
    const v = new DataView(pe.bytes.buffer);
    // Swap the two PointerToRawData fields.
    const t = pe.at.sectionTable;
    const p0 = v.getUint32(t + 20, true);
    v.setUint32(t + 20, v.getUint32(t + 60, true), true);
    v.setUint32(t + 60, p0, true);
    const l = plan(pe.bytes);
    expect(l.ranges.slice(3).map((r) => r.offset)).toEqual([p0, v.getUint32(t + 20, true)]);
    expect(l.sections.map((s) => s.name)).toEqual([".a", ".b"]);
  });

  test("without a certificate directory entry only CheckSum is skipped and there is no table", () => {
    const pe = writeTinyPe({ rvaCount: 4, sections: [{ name: ".text", data: bytes(0x10, 1) }] });
    const l = plan(pe.bytes);
    expect(l.certificateTable).toBeUndefined();
    expect(l.ranges.slice(0, 2)).toEqual([
      { offset: 0, length: pe.at.checksum },
      { offset: pe.at.checksum + 4, length: pe.at.sizeOfHeaders - pe.at.checksum - 4 },
    ]);
  });

  test("an unsigned image hashes its trailing data up to the end of the file", () => {
    const pe = writeTinyPe({ sections: [{ name: ".text", data: bytes(0x200, 1) }], trailing: bytes(5, 9) });
    expect(plan(pe.bytes).ranges.at(-1)).toEqual({ offset: pe.at.trailing, length: 5 });
  });

  test("the digest ignores CheckSum and the certificate table but covers everything else", () => {
    const pe = writeTinyPe({ sections: [{ name: ".text", data: bytes(0x100, 1) }], certificateTable: winCertificate(bytes(0x20, 4)) });
    const d = (b: Uint8Array) => toHex(digestRangesInMemory(b, plan(b).ranges, ["sha256"]).sha256!);
    const base = d(pe.bytes);
    const changed = (at: number) => {
      const b = pe.bytes.slice();
      b[at]! ^= 0xff;
      return d(b);
    };
    expect(changed(pe.at.checksum)).toBe(base);
    expect(changed(pe.at.certificateTable + 12)).toBe(base);
    expect(changed(pe.at.sections[0]! + 5)).not.toBe(base);
    expect(changed(pe.at.sectionTable)).not.toBe(base);
    expect(changed(2)).not.toBe(base);
  });
});

describe("planAuthenticodeHash() refuses malformed images", () => {
  const good = () => writeTinyPe({ sections: [{ name: ".text", data: bytes(0x10, 1) }], certificateTable: winCertificate(bytes(0x20, 4)) });
  const cases: [string, (b: Uint8Array, v: DataView, at: ReturnType<typeof good>["at"]) => Uint8Array, string][] = [
    ["an empty file", () => new Uint8Array(0), 'does not start with the DOS signature "MZ"'],
    ["no MZ", (b) => (b.set([0, 0], 0), b), 'does not start with the DOS signature "MZ"'],
    ["e_lfanew inside the DOS header", (b, v) => (v.setUint32(0x3c, 0x20, true), b), "e_lfanew 0x20 points into the DOS header"],
    ["e_lfanew past the end", (b, v) => (v.setUint32(0x3c, 0xfffffff0, true), b), "the headers are truncated at 0xfffffff0"],
    ["no PE signature", (b) => (b.set([0x4e], 0x40), b), 'there is no "PE\\0\\0" signature at 0x40'],
    ["a ROM optional header", (b, v, at) => (v.setUint16(at.opt, 0x107, true), b), "the optional header magic is 0x107"],
    ["a section table past the headers given", (b, v) => (v.setUint16(0x40 + 6, 2000, true), b), "the section table ends at"],
    [
      "SizeOfHeaders past the end of the file",
      (b, v, at) => (v.setUint32(at.opt + 60, 0x10000000, true), b),
      "SizeOfHeaders 0x10000000 is past the end of the file",
    ],
    [
      "a section past the end of the file",
      (b, v, at) => (v.setUint32(at.sectionTable + 16, 0x100000, true), b),
      'section ".text" ends at 0x100200, past the end of the file at 0x428',
    ],
    ["a truncated certificate table", (b) => b.subarray(0, b.length - 8), "(truncated)"],
    ["a certificate table inside a section", (b, v, at) => (v.setUint32(at.certEntry, at.sections[0]!, true), b), "overlaps the headers or a section"],
    ["data after the certificate table", (b) => new Uint8Array([...b, 0, 0, 0, 0, 0, 0, 0, 0]), "before the end of the file"],
    [
      "a section size that overflows",
      (b, v, at) => (v.setUint32(at.sectionTable + 20, 0xffffffff, true), v.setUint32(at.sectionTable + 16, 0xffffffff, true), b),
      "past the end of the file",
    ],
  ];
  test.each(cases)("%s", (_name, mutate, message) => {
    const pe = good();
    const copy = pe.bytes.slice();
    const input = mutate(copy, new DataView(copy.buffer), pe.at);
    let err: unknown;
    try {
      planAuthenticodeHash(input, input.length, { source: "test.efi" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).message).toStartWith('Cannot compute the Authenticode digest of "test.efi": ');
    expect((err as FormatError).message).toContain(message);
  });
});

describe("digestRanges()", () => {
  test("reads in chunks and gives the in-memory digest", async () => {
    const pe = writeTinyPe({ sections: [{ name: ".text", data: bytes(0x1234, 7) }], trailing: bytes(3, 1), certificateTable: winCertificate(bytes(0x20, 4)) });
    const l = plan(pe.bytes);
    const reads: number[] = [];
    const streamed = await digestRanges(l.ranges, async (o, n) => (reads.push(n), pe.bytes.slice(o, o + n)), ["sha1", "sha256"], { chunkSize: 0x100 });
    expect(streamed).toEqual(digestRangesInMemory(pe.bytes, l.ranges, ["sha1", "sha256"]));
    expect(Math.max(...reads)).toBe(0x100);
  });

  test("refuses a short read", async () => {
    const pe = writeTinyPe({ sections: [{ name: ".text", data: bytes(0x10, 7) }] });
    await expect(digestRanges(plan(pe.bytes).ranges, async (o, n) => pe.bytes.slice(o, o + n - 1), ["sha256"])).rejects.toThrow("Cannot read");
  });
});

const haveTools = missingFixtureTools().length === 0 && hasProgram("hash-to-efi-sig-list");
if (!haveTools)
  console.warn(
    `the real-image digest tests will not run (npm test counts them as failed): missing ${[...missingFixtureTools(), "hash-to-efi-sig-list (efitools)"].join(", ")}`,
  );

describe.skipIf(!haveTools)("Authenticode SHA-256 of real images equals efitools' hash-to-efi-sig-list", () => {
  const efitoolsHash = async (path: string) => /HASH IS ([0-9a-f]{64})/.exec((await run(["hash-to-efi-sig-list", path, "/dev/null"])).stdout)![1]!;
  const ours = (path: string) => {
    const b = readBytes(path);
    const l = planAuthenticodeHash(b.subarray(0, AUTHENTICODE_HEAD_SIZE), b.length, { source: path });
    return toHex(digestRangesInMemory(b, l.ranges, ["sha256"]).sha256!);
  };
  test.each([
    ["unsigned UKI", (f: Awaited<ReturnType<typeof trustFixtures>>) => f.uki.unsigned],
    ["sbsign-signed UKI", (f: Awaited<ReturnType<typeof trustFixtures>>) => f.uki.db],
    ["UKI with two signatures", (f: Awaited<ReturnType<typeof trustFixtures>>) => f.uki.twoSignatures],
    ["signed add-on", (f: Awaited<ReturnType<typeof trustFixtures>>) => f.addon.db],
    ["multi-profile UKI", (f: Awaited<ReturnType<typeof trustFixtures>>) => f.multiProfile.path],
    ["Debian-signed vmlinuz", (f: Awaited<ReturnType<typeof trustFixtures>>) => f.real.vmlinuz],
    ["UKI with the real vmlinuz", (f: Awaited<ReturnType<typeof trustFixtures>>) => f.real.path],
  ])("%s", async (_name, pick) => {
    const path = pick(await trustFixtures());
    expect(ours(path)).toBe(await efitoolsHash(path));
  });

  test("signing does not change the digest (sbsign signs the unsigned image's digest)", async () => {
    const f = await trustFixtures();
    expect(ours(f.uki.db)).toBe(ours(f.uki.unsigned));
    expect(ours(f.uki.ec)).toBe(ours(f.uki.unsigned));
  });

  test("a small fuzz over the headers gives a layout or a FormatError, nothing else", async () => {
    const f = await trustFixtures();
    const original = new Uint8Array(readFileSync(f.uki.db));
    let seed = 0x5eed;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
    let layouts = 0;
    for (let i = 0; i < 300; i++) {
      const b = original.slice();
      for (let k = 0; k < 4; k++) b[Math.floor(rand() * 0x400)] = Math.floor(rand() * 256);
      try {
        planAuthenticodeHash(b, b.length, { source: "fuzz" });
        layouts++;
      } catch (e) {
        expect(e).toBeInstanceOf(FormatError);
      }
    }
    expect(layouts).toBeGreaterThan(0);
  });
});

test("digest() matches a known SHA-256 test vector", () => {
  expect(toHex(digest("sha256", new TextEncoder().encode("abc")))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});
