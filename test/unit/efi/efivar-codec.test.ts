import { describe, expect, test } from "bun:test";
import { buildEfivarfsFile, decodeU64, decodeUtf16, decodeUtf16List, encodeU64, encodeUtf16, parseEfivarfsFile } from "../../../src/efi/efivar-codec.ts";
import { FormatError } from "../../../src/errors.ts";

test("encodeUtf16() writes UTF-16LE with a terminating NUL, as bootctl does", () => {
  expect([...encodeUtf16("ab")]).toEqual([0x61, 0, 0x62, 0, 0, 0]);
  expect([...encodeUtf16("")]).toEqual([0, 0]);
});

test("decodeUtf16() stops at the NUL and accepts a value without one whole", () => {
  expect(decodeUtf16(Uint8Array.from([0x61, 0, 0x62, 0, 0, 0, 0x63, 0]))).toBe("ab");
  expect(decodeUtf16(Uint8Array.from([0x61, 0, 0x62, 0]))).toBe("ab");
  expect(decodeUtf16(Uint8Array.from([0x61, 0, 0x62]))).toBe("a");
});

test("parseEfivarfsFile() and buildEfivarfsFile() round-trip the attribute word", () => {
  const file = buildEfivarfsFile({ attributes: 7, data: encodeUtf16("x.efi") });
  expect([...file.subarray(0, 4)]).toEqual([7, 0, 0, 0]);
  const v = parseEfivarfsFile(file, "LoaderEntryDefault");
  expect(v.attributes).toBe(7);
  expect(decodeUtf16(v.data)).toBe("x.efi");
  expect(() => parseEfivarfsFile(new Uint8Array(3), "Bad")).toThrow(FormatError);
});

test("u64 values round-trip little-endian", () => {
  expect([...encodeU64(0x0102n)]).toEqual([2, 1, 0, 0, 0, 0, 0, 0]);
  expect(decodeU64(encodeU64(2n ** 40n))).toBe(2n ** 40n);
  expect(decodeU64(new Uint8Array(4))).toBeUndefined();
});

describe("decodeUtf16List()", () => {
  test("splits NUL-terminated ids, as LoaderEntries holds them", () => {
    expect(decodeUtf16List(encodeUtf16("a.conf\0b.efi@2"))).toEqual(["a.conf", "b.efi@2"]);
    expect(decodeUtf16List(new Uint8Array(0))).toEqual([]);
  });
});
