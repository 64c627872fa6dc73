import { beforeEach, expect, test } from "bun:test";
import { encodeQr, type QrCode } from "../../../src/totp/qr-code.ts";
import { qrTextLines } from "../../../src/totp/qr-text.ts";

/** Each glyph as [upper half inked, lower half inked]. */
const HALVES: Record<string, [boolean, boolean]> = { " ": [false, false], "▄": [false, true], "▀": [true, false], "█": [true, true] };

/** The inked modules the lines show, two rows per line. */
function inkOf(lines: string[]): boolean[][] {
  const rows: boolean[][] = [];
  for (const line of lines) {
    const halves = [...line].map((c) => HALVES[c]!);
    rows.push(
      halves.map((h) => h[0]),
      halves.map((h) => h[1]),
    );
  }
  return rows;
}

let qr: QrCode;
beforeEach(() => {
  qr = encodeQr("HELLO WORLD");
});

test("two module rows a line, a 4-module quiet zone, the last line's lower half light", () => {
  const lines = qrTextLines(qr);
  expect(qr.size).toBe(21);
  expect(lines.length).toBe(15);
  for (const line of lines) expect([...line].length).toBe(29);
});

test("by default the light modules are inked, so a light-on-dark console shows a dark-on-light code", () => {
  const lines = qrTextLines(qr);
  expect(lines[0]).toBe("█".repeat(29));
  expect(lines[1]).toBe("█".repeat(29));
  // Rows 4 and 5 of the picture: the top edge of the finder, then its light inner ring.
  expect(lines[2]!.slice(0, 11)).toBe("████ ▄▄▄▄▄ ");
  const ink = inkOf(lines);
  for (let r = 0; r < 30; r++) {
    for (let c = 0; c < 29; c++) {
      const inSymbol = r >= 4 && r < 25 && c >= 4 && c < 25;
      expect(ink[r]![c]).toBe(inSymbol ? !qr.modules[r - 4]![c - 4] : true);
    }
  }
});

test("invert: true inks the dark modules, for a dark-on-light terminal", () => {
  const lines = qrTextLines(qr, { invert: true });
  expect(lines[0]).toBe(" ".repeat(29));
  expect(lines[2]!.slice(0, 11)).toBe("    █▀▀▀▀▀█");
  const ink = inkOf(lines);
  for (let r = 0; r < 30; r++) {
    for (let c = 0; c < 29; c++) {
      const inSymbol = r >= 4 && r < 25 && c >= 4 && c < 25;
      expect(ink[r]![c]).toBe(inSymbol ? qr.modules[r - 4]![c - 4]! : false);
    }
  }
});

test("the quiet zone can be widened", () => {
  const lines = qrTextLines(qr, { quietZone: 5 });
  expect(lines.length).toBe(16);
  expect([...lines[0]!].length).toBe(31);
  expect(lines[2]!.slice(0, 6)).toBe("█████▀");
});
