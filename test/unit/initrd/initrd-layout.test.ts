import { describe, expect, test } from "bun:test";
import { bytesSource, concatSources, createSourceReader, materializeSource, zerosSource, type ByteSource } from "../../../src/bytes/byte-source.ts";
import { describeMember, initrdChunks, layoutInitrd, materializeInitrd, type InitrdMember } from "../../../src/initrd/initrd-layout.ts";

const enc = new TextEncoder();
const member = (text: string, kind: InitrdMember["kind"] = "initrd"): InitrdMember => ({ kind, source: bytesSource(enc.encode(text)) });
const sizes = (l: ReturnType<typeof layoutInitrd>) => l.members.map((m) => [m.offset, m.size, m.padding]);

describe("layoutInitrd()", () => {
  test("type2 pads every member to 4 bytes, the last one too", () => {
    const l = layoutInitrd([member("abcde"), member("xyz"), member("12")], { style: "type2" });
    expect(sizes(l)).toEqual([
      [0, 5, 3],
      [8, 3, 1],
      [12, 2, 2],
    ]);
    expect(l.size).toBe(16);
  });

  test("type2 passes a single member unpadded", () => {
    const l = layoutInitrd([member("abcde")], { style: "type2" });
    expect(sizes(l)).toEqual([[0, 5, 0]]);
    expect(l.size).toBe(5);
  });

  test("type1 pads every member except the last", () => {
    const l = layoutInitrd([member("abcde"), member("xyz")], { style: "type1" });
    expect(sizes(l)).toEqual([
      [0, 5, 3],
      [8, 3, 0],
    ]);
    expect(l.size).toBe(11);
  });

  test("skips empty members but keeps their original index, so the last non-empty one is last", () => {
    const l = layoutInitrd([member("ab"), member(""), member("cd"), member("")], { style: "type1" });
    expect(l.members.map((m) => m.index)).toEqual([0, 2]);
    expect(sizes(l)).toEqual([
      [0, 2, 2],
      [4, 2, 0],
    ]);
  });

  test("gives size 0 for no members", () => {
    expect(layoutInitrd([], { style: "type2" })).toEqual({ style: "type2", members: [], size: 0 });
  });
});

describe("initrdChunks() and materializeInitrd()", () => {
  const file = enc.encode("0123456789");
  const readRange = (path: string, offset: number, size: number) => {
    expect(path).toBe("/esp/x.efi");
    return file.subarray(offset, offset + size);
  };
  const withRange: InitrdMember[] = [
    member("ab", "ucode"),
    { kind: "initrd", source: concatSources([{ type: "range", path: "/esp/x.efi", offset: 3, size: 5 }, zerosSource(2)]) },
    member("Z", "osrel"),
  ];

  test("yields each leaf at its output offset, with padding as zeros", () => {
    const l = layoutInitrd(withRange, { style: "type2" });
    expect([...initrdChunks(l)].map((c) => [c.offset, c.leaf.type, c.member.index])).toEqual([
      [0, "bytes", 0],
      [2, "zeros", 0],
      [4, "range", 1],
      [9, "zeros", 1],
      [11, "zeros", 1],
      [12, "bytes", 2],
      [13, "zeros", 2],
    ]);
  });

  test("materialises to the concatenation with NUL padding", () => {
    const l = layoutInitrd(withRange, { style: "type2" });
    expect(materializeInitrd(l, readRange)).toEqual(new Uint8Array([0x61, 0x62, 0, 0, 0x33, 0x34, 0x35, 0x36, 0x37, 0, 0, 0, 0x5a, 0, 0, 0]));
  });

  test("refuses a range the reader cannot fill", () => {
    const l = layoutInitrd([{ kind: "initrd", source: { type: "range", path: "/esp/x.efi", offset: 8, size: 5 } }], { style: "type2" });
    expect(() => materializeInitrd(l, readRange)).toThrow(RangeError);
  });
});

describe("createSourceReader()", () => {
  const parts: ByteSource = concatSources([
    bytesSource(enc.encode("head")),
    { type: "range", path: "/f", offset: 2, size: 4 },
    zerosSource(3),
    bytesSource(enc.encode("tail")),
  ]);
  const read = createSourceReader(parts, async (_p, offset, length) => enc.encode("ABCDEFGH").subarray(offset, offset + length));

  test.each([
    [0, 15, "headCDEF\0\0\0tail"],
    [2, 5, "adCDE"],
    [7, 5, "F\0\0\0t"],
    [12, 100, "ail"],
    [20, 4, ""],
  ])("reads %d+%d across leaves", async (offset, length, want) => {
    expect(new TextDecoder().decode(await read(offset, length))).toBe(want);
  });

  test("matches materializeSource", async () => {
    const sync = materializeSource(parts, (_p, o, s) => enc.encode("ABCDEFGH").subarray(o, o + s));
    expect(await read(0, sync.length)).toEqual(sync);
  });

  test("refuses a file shorter than its range", async () => {
    const short = createSourceReader({ type: "range", path: "/f", offset: 0, size: 10 }, async () => new Uint8Array(3));
    await expect(short(0, 10)).rejects.toThrow("the file ends after 3");
  });
});

describe("describeMember()", () => {
  test("names kind, origin and source", () => {
    expect(
      describeMember({
        kind: "addon-initrd",
        origin: "debug.addon.efi",
        source: { type: "range", path: "/efi/loader/addons/debug.addon.efi", offset: 0x400, size: 0x1000 },
      }),
    ).toBe('add-on .initrd of "debug.addon.efi" ("/efi/loader/addons/debug.addon.efi" bytes 0x400+0x1000)');
    expect(describeMember(member("abc", "credentials"))).toBe("credentials archive (3 bytes in memory)");
  });
});
