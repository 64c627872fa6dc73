import { describe, expect, test } from "bun:test";
import { Base32Error, base32Decode, base32Encode } from "../../../src/totp/base32.ts";

const ascii = (s: string) => new TextEncoder().encode(s);

/** RFC 4648 §10, with the `=` padding taken off as otpauth URIs do. */
const RFC4648_VECTORS: [string, string][] = [
  ["", ""],
  ["f", "MY"],
  ["fo", "MZXQ"],
  ["foo", "MZXW6"],
  ["foob", "MZXW6YQ"],
  ["fooba", "MZXW6YTB"],
  ["foobar", "MZXW6YTBOI"],
];

describe("RFC 4648 §10 test vectors", () => {
  for (const [plain, encoded] of RFC4648_VECTORS) {
    test(`"${plain}" ↔ "${encoded}"`, () => {
      expect(base32Encode(ascii(plain))).toBe(encoded);
      expect(base32Decode(encoded)).toEqual(ascii(plain));
    });
  }

  test("the padded forms of §10 decode too", () => {
    expect(base32Decode("MY======")).toEqual(ascii("f"));
    expect(base32Decode("MZXW6YQ=")).toEqual(ascii("foob"));
    expect(base32Decode("MZXW6YTBOI======")).toEqual(ascii("foobar"));
  });
});

test("RFC 6238's SHA-1 seed encodes as oathtool and the apps expect it", () => {
  expect(base32Encode(ascii("12345678901234567890"))).toBe("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
});

test("every byte value and every length 0…40 survives a round trip", () => {
  let seed = 0x1234_5678;
  const random = () => ((seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) >>> 16) & 0xff;
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  expect(base32Decode(base32Encode(all))).toEqual(all);
  for (let length = 0; length <= 40; length++) {
    const bytes = Uint8Array.from({ length }, random);
    const encoded = base32Encode(bytes);
    expect(encoded).toMatch(/^[A-Z2-7]*$/);
    expect(encoded.length).toBe(Math.ceil((length * 8) / 5));
    expect(base32Decode(encoded)).toEqual(bytes);
  }
});

test("hand-typed secrets: lowercase, groups of four and padding are accepted", () => {
  expect(base32Decode("mzxw 6ytb oi")).toEqual(ascii("foobar"));
  expect(base32Decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq")).toEqual(ascii("12345678901234567890"));
});

describe("text that is not base32", () => {
  test("names the first character outside the alphabet and its position in the text as typed", () => {
    const error = (() => {
      try {
        base32Decode("mzxw 6ytb 0i");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(Base32Error);
    expect(error).toMatchObject({ character: "0", position: 10 });
    expect((error as Error).message).toBe('Cannot decode the base32 text: "0" at position 10 is not one of A–Z and 2–7');
  });

  test("1, 8 and 9 (the digits base32 leaves out) and punctuation are refused", () => {
    for (const bad of ["1", "8", "9", "-", "é"]) {
      expect(() => base32Decode(`MZ${bad}Q`)).toThrow(
        new Base32Error(`Cannot decode the base32 text: "${bad}" at position 2 is not one of A–Z and 2–7`, bad, 2),
      );
    }
  });

  test("a length no encoder produces (a character lost) is refused", () => {
    for (const cut of ["M", "MZX", "MZXW6Y", "MZXW6YTBO"]) expect(() => base32Decode(cut)).toThrow(Base32Error);
    expect(() => base32Decode("MZX")).toThrow("Cannot decode the base32 text: its 3 characters end in a group of 3, which no whole number of bytes encodes to");
  });
});
