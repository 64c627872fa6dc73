import { beforeEach, describe, expect, test } from "bun:test";
import { encodeQr, QrCapacityError, qrByteCapacity, qrFormatBits, qrPenalty, qrVersionBits, type QrCode } from "../../../src/totp/qr-code.ts";
import { formatPositionsSplit, formatPositionsTopLeft, gf2Mod, readBits, readQr } from "./qr-reader.ts";

/** Table 7, byte mode, level M, versions 1–10. */
const CAPACITY = [14, 26, 42, 62, 84, 106, 122, 152, 180, 213];

/** Annex C, Table C.1: the format information bit sequences for level M, masks 0–7. */
const FORMAT_M = [
  0b101010000010010, 0b101000100100101, 0b101111001111100, 0b101101101001011, 0b100010111111001, 0b100000011001110, 0b100111110010111, 0b100101010100000,
];

/** Annex D, Table D.1: version information bit sequences, versions 7–10. */
const VERSION_INFO: Record<number, number> = { 7: 0b000111110010010100, 8: 0b001000010110111100, 9: 0b001001101010011001, 10: 0b001010010011010011 };

/** Annex E, Table E.1: alignment pattern centre coordinates, versions 2–10. */
const ALIGNMENT: Record<number, number[]> = {
  2: [6, 18],
  3: [6, 22],
  4: [6, 26],
  5: [6, 30],
  6: [6, 34],
  7: [6, 22, 38],
  8: [6, 24, 42],
  9: [6, 26, 46],
  10: [6, 28, 50],
};

/** Printable ASCII of a given length, different for each length. */
function sampleText(length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) s += String.fromCharCode(33 + ((i * 7 + length * 13) % 94));
  return s;
}

const grid = (rows: string[]) => rows.map((r) => [...r].map((c) => c === "#"));
const at = (qr: QrCode, row: number, column: number) => qr.modules[row]![column]!;

/** The 7 × 7 finder (§6.3.3) and the light separator around it, checked at its top-left corner (r0, c0). */
function expectFinder(qr: QrCode, r0: number, c0: number) {
  const rows: string[] = [];
  for (let r = 0; r < 7; r++) rows.push(Array.from({ length: 7 }, (_, c) => (at(qr, r0 + r, c0 + c) ? "#" : ".")).join(""));
  expect(rows).toEqual(["#######", "#.....#", "#.###.#", "#.###.#", "#.###.#", "#.....#", "#######"]);
  for (let i = -1; i <= 7; i++) {
    for (const [r, c] of [
      [r0 - 1, c0 + i],
      [r0 + 7, c0 + i],
      [r0 + i, c0 - 1],
      [r0 + i, c0 + 7],
    ] as const) {
      if (r >= 0 && r < qr.size && c >= 0 && c < qr.size) expect(at(qr, r, c)).toBe(false);
    }
  }
}

describe("capacity (Table 7, level M, byte mode)", () => {
  test("each version holds what the table says", () => {
    expect(CAPACITY.map((_, i) => qrByteCapacity(i + 1))).toEqual(CAPACITY);
  });

  test("the smallest version that fits is chosen: the longest text of each version, and one byte more", () => {
    CAPACITY.forEach((capacity, i) => {
      expect(encodeQr(sampleText(capacity)).version).toBe(i + 1);
      if (i + 1 < CAPACITY.length) expect(encodeQr(sampleText(capacity + 1)).version).toBe(i + 2);
    });
    expect(encodeQr("").version).toBe(1);
  });

  test("bytes are counted in UTF-8", () => {
    expect(encodeQr("é".repeat(7)).version).toBe(1);
    expect(encodeQr("é".repeat(8)).version).toBe(2);
  });

  test("a text longer than version 10 holds is refused", () => {
    expect(() => encodeQr(sampleText(214))).toThrow(new QrCapacityError(214));
    expect(() => encodeQr(sampleText(214))).toThrow("Cannot encode 214 bytes in a QR code: version 10 at error correction level M holds 213");
  });
});

test("format and version words match the standard's tables", () => {
  expect(FORMAT_M.map((_, mask) => qrFormatBits(mask))).toEqual(FORMAT_M);
  for (const v of [7, 8, 9, 10]) expect(qrVersionBits(v)).toBe(VERSION_INFO[v]!);
});

describe("the symbol of each version, read back structurally", () => {
  for (let version = 1; version <= 10; version++) {
    const text = sampleText(CAPACITY[version - 1]! - (version % 3));
    const size = 17 + 4 * version;
    // Encoded in each test, so that an encoder that throws fails the tests instead of the file.
    let qr: QrCode;
    beforeEach(() => {
      qr = encodeQr(text);
    });

    test(`version ${version}: ${size} × ${size}, finders and separators in three corners, dark module`, () => {
      expect(qr.version).toBe(version);
      expect(qr.size).toBe(size);
      expect(qr.modules.length).toBe(size);
      for (const row of qr.modules) expect(row.length).toBe(size);
      expectFinder(qr, 0, 0);
      expectFinder(qr, 0, size - 7);
      expectFinder(qr, size - 7, 0);
      expect(at(qr, 4 * version + 9, 8)).toBe(true);
    });

    test(`version ${version}: timing patterns alternate along row and column 6`, () => {
      for (let i = 8; i < size - 8; i++) {
        expect(at(qr, 6, i)).toBe(i % 2 === 0);
        expect(at(qr, i, 6)).toBe(i % 2 === 0);
      }
    });

    if (version >= 2) {
      test(`version ${version}: alignment patterns at ${ALIGNMENT[version]!.join(", ")}, none on a finder`, () => {
        const centres = ALIGNMENT[version]!;
        let drawn = 0;
        for (const r of centres) {
          for (const c of centres) {
            if ((r === 6 && c === 6) || (r === 6 && c === size - 7) || (r === size - 7 && c === 6)) continue;
            drawn++;
            for (let dr = -2; dr <= 2; dr++) {
              for (let dc = -2; dc <= 2; dc++) expect(at(qr, r + dr, c + dc)).toBe(Math.max(Math.abs(dr), Math.abs(dc)) !== 1);
            }
          }
        }
        expect(drawn).toBe(centres.length ** 2 - 3);
      });
    }

    test(`version ${version}: both copies of the format information name level M and the mask used, BCH-valid`, () => {
      const first = readBits(qr.modules, formatPositionsTopLeft());
      const second = readBits(qr.modules, formatPositionsSplit(size));
      expect(second).toBe(first);
      expect(gf2Mod(first ^ 0b101010000010010, 0b10100110111)).toBe(0);
      expect(first).toBe(FORMAT_M[qr.mask]!);
    });

    if (version >= 7) {
      test(`version ${version}: both version information blocks hold Table D.1's word`, () => {
        let bottomLeft = 0;
        let topRight = 0;
        for (let i = 17; i >= 0; i--) {
          bottomLeft = (bottomLeft << 1) | (at(qr, size - 11 + (i % 3), Math.floor(i / 3)) ? 1 : 0);
          topRight = (topRight << 1) | (at(qr, Math.floor(i / 3), size - 11 + (i % 3)) ? 1 : 0);
        }
        expect(bottomLeft).toBe(VERSION_INFO[version]!);
        expect(topRight).toBe(VERSION_INFO[version]!);
        expect(gf2Mod(bottomLeft, 0b1111100100101)).toBe(0);
      });
    }

    test(`version ${version}: the test reader gets the text back, every block passing its Reed–Solomon check`, () => {
      const reading = readQr(qr.modules);
      expect(reading.version).toBe(version);
      expect(reading.mask).toBe(qr.mask);
      expect(new TextDecoder().decode(reading.bytes)).toBe(text);
    });
  }
});

describe("the bit stream (§7.4)", () => {
  test("mode, 8-bit count, data, terminator, then 0xEC 0x11 alternating to the end", () => {
    expect(readQr(encodeQr("A").modules).dataCodewords).toEqual([
      0x40, 0x14, 0x10, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec,
    ]);
  });

  test("version 10 counts in 16 bits", () => {
    const text = sampleText(213);
    const codewords = readQr(encodeQr(text).modules).dataCodewords;
    expect(codewords.slice(0, 3)).toEqual([0x40, 0x0d, 0x50 | (text.charCodeAt(0) >> 4)]);
  });

  test("arbitrary bytes go through unchanged, UTF-8 text as its bytes", () => {
    const bytes = Uint8Array.from({ length: 100 }, (_, i) => (i * 37) & 0xff);
    expect(readQr(encodeQr(bytes).modules).bytes).toEqual(bytes);
    expect(new TextDecoder().decode(readQr(encodeQr("Grüße, ✓").modules).bytes)).toBe("Grüße, ✓");
  });
});

describe("damage is noticed (the reader is a real check)", () => {
  const copy = () => {
    const qr = encodeQr(sampleText(40));
    return { qr, modules: qr.modules.map((r) => [...r]) };
  };

  test("one data module flipped fails a block's Reed–Solomon check", () => {
    const { qr, modules } = copy();
    modules[qr.size - 1]![qr.size - 1] = !modules[qr.size - 1]![qr.size - 1];
    expect(() => readQr(modules)).toThrow("fails its Reed–Solomon check");
  });

  test("one format module flipped is no BCH codeword", () => {
    const { modules } = copy();
    modules[8]![0] = !modules[8]![0];
    expect(() => readQr(modules)).toThrow("is not a BCH codeword");
  });
});

describe("masking (§7.8)", () => {
  const texts = ["HELLO WORLD", sampleText(60), "otpauth://totp/ukiboot:pc-01?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ukiboot"];

  test("each of the 8 masks can be forced, is written in the format information and reads back", () => {
    for (let mask = 0; mask < 8; mask++) {
      const qr = encodeQr(texts[1]!, { mask });
      expect(qr.mask).toBe(mask);
      expect(readQr(qr.modules).mask).toBe(mask);
      expect(new TextDecoder().decode(readQr(qr.modules).bytes)).toBe(texts[1]!);
    }
  });

  test("the masks give different symbols, and the chosen one has the lowest penalty of the eight", () => {
    for (const text of texts) {
      const forced = [0, 1, 2, 3, 4, 5, 6, 7].map((mask) => encodeQr(text, { mask }));
      expect(new Set(forced.map((q) => JSON.stringify(q.modules))).size).toBe(8);
      const penalties = forced.map((q) => qrPenalty(q.modules).total);
      const chosen = encodeQr(text);
      expect(penalties[chosen.mask]).toBe(Math.min(...penalties));
      expect(chosen.modules).toEqual(forced[chosen.mask]!.modules);
    }
  });

  test("a mask number outside 0–7 is refused", () => {
    expect(() => encodeQr("x", { mask: 8 })).toThrow("Cannot encode a QR code with mask 8: masks are numbered 0 to 7");
  });
});

describe("the penalty rules (§7.8.3, Table 11), each on a matrix made for it", () => {
  test("N1 runs and N2 blocks: a light 5 × 5 square has 10 runs of 5 and 16 blocks", () => {
    expect(qrPenalty(grid([".....", ".....", ".....", ".....", "....."]))).toEqual({ runs: 30, blocks: 48, finderLike: 0, balance: 90, total: 168 });
  });

  test("N1 counts 3 plus one per module past five", () => {
    expect(qrPenalty(grid(["########"])).runs).toBe(6);
    expect(qrPenalty(grid(["####.####"])).runs).toBe(0);
  });

  test("N3 needs the 1:1:3:1:1 pattern and 4 light modules on one side; outside the symbol is light", () => {
    expect(qrPenalty(grid(["#.###.#"])).finderLike).toBe(40);
    expect(qrPenalty(grid(["#.###.#....#"])).finderLike).toBe(40);
    expect(qrPenalty(grid(["#...#.###.#...#"])).finderLike).toBe(0);
    expect(qrPenalty(grid(["#....#.###.#...#"])).finderLike).toBe(40);
    expect(qrPenalty(grid(["#", ".", "#", "#", "#", ".", "#"])).finderLike).toBe(40);
  });

  test("N4: nothing within 45–55 % dark, 10 per further 5 % or part of it", () => {
    const ofDark = (dark: number) => qrPenalty(grid(["#".repeat(dark) + ".".repeat(20 - dark)])).balance;
    // 20 modules: 9 dark is 45 %, 11 is 55 %, 12 is 60 %, 13 is 65 %.
    expect([9, 10, 11, 12, 13, 20, 0].map(ofDark)).toEqual([0, 0, 0, 10, 20, 90, 90]);
  });

  test("a checkerboard costs nothing", () => {
    expect(qrPenalty(grid(["#.#.#.", ".#.#.#", "#.#.#.", ".#.#.#", "#.#.#.", ".#.#.#"])).total).toBe(0);
  });
});
