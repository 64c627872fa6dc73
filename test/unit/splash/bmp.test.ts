import { describe, expect, test } from "bun:test";
import { FormatError } from "../../../src/errors.ts";
import { decodeBmp } from "../../../src/splash/bmp.ts";

/**
 * A BMP as image editors write it: BITMAPFILEHEADER, a DIB header of `dibSize` bytes (40, or 56 with the
 * four channel masks), the colour table, then the rows bottom-up, each padded to 4 bytes.
 */
function bmp(opts: {
  width: number;
  height: number;
  depth: number;
  rows: number[][];
  palette?: [number, number, number][];
  compression?: number;
  masks?: [number, number, number, number];
  size?: number;
}): Uint8Array {
  const dibSize = opts.masks ? 56 : 40;
  const table = (opts.palette ?? []).length * 4;
  const rowSize = Math.floor((opts.depth * opts.width + 31) / 32) * 4;
  const offset = 14 + dibSize + table;
  const total = offset + rowSize * opts.height;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  out.set([0x42, 0x4d]);
  v.setUint32(2, opts.size ?? total, true);
  v.setUint32(10, offset, true);
  v.setUint32(14, dibSize, true);
  v.setInt32(18, opts.width, true);
  v.setInt32(22, opts.height, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, opts.depth, true);
  v.setUint32(30, opts.compression ?? 0, true);
  v.setUint32(46, opts.palette?.length ?? 0, true);
  if (opts.masks) opts.masks.forEach((m, i) => v.setUint32(54 + i * 4, m, true));
  (opts.palette ?? []).forEach(([r, g, b], i) => out.set([b, g, r, 0], 14 + dibSize + i * 4));
  // rows[0] is the top row; the file holds the bottom row first.
  opts.rows.forEach((row, y) => out.set(row, offset + (opts.height - 1 - y) * rowSize));
  return out;
}

const px = (img: { width: number; rgb: Uint8Array }, x: number, y: number) => [...img.rgb.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)];

describe("decodeBmp(): a UKI's .splash as systemd-stub draws it", () => {
  test("24 bits: BGR triplets, bottom row first, rows padded to 4 bytes", () => {
    // 3 pixels a row: 9 bytes, padded to 12.
    const img = decodeBmp(
      bmp({
        width: 3,
        height: 2,
        depth: 24,
        rows: [
          [0, 0, 255, 0, 255, 0, 255, 0, 0],
          [1, 2, 3, 4, 5, 6, 7, 8, 9],
        ],
      }),
      "splash",
    );
    expect([img.width, img.height]).toEqual([3, 2]);
    expect([px(img, 0, 0), px(img, 1, 0), px(img, 2, 0)]).toEqual([
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
    ]);
    expect(px(img, 2, 1)).toEqual([9, 8, 7]);
  });

  test("8, 4 and 1 bits through the colour table", () => {
    const palette256 = Array.from({ length: 256 }, (_, i): [number, number, number] => [i, 255 - i, 7]);
    expect(px(decodeBmp(bmp({ width: 1, height: 1, depth: 8, rows: [[200]], palette: palette256 }), "s"), 0, 0)).toEqual([200, 55, 7]);
    const palette16 = Array.from({ length: 16 }, (_, i): [number, number, number] => [i * 16, 0, 0]);
    const four = decodeBmp(bmp({ width: 3, height: 1, depth: 4, rows: [[0x1f, 0x20]], palette: palette16 }), "s");
    expect([px(four, 0, 0), px(four, 1, 0), px(four, 2, 0)]).toEqual([
      [16, 0, 0],
      [240, 0, 0],
      [32, 0, 0],
    ]);
    const one = decodeBmp(
      bmp({
        width: 10,
        height: 1,
        depth: 1,
        rows: [[0b10100000, 0b01000000]],
        palette: [
          [0, 0, 0],
          [255, 255, 255],
        ],
      }),
      "s",
    );
    expect(Array.from({ length: 10 }, (_, x) => px(one, x, 0)[0])).toEqual([255, 0, 255, 0, 0, 0, 0, 0, 0, 255]);
  });

  test("32 bits with channel masks and alpha: blended onto the background with the stub's arithmetic", () => {
    const masks: [number, number, number, number] = [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000];
    // Opaque red, then half-transparent white, over a grey background.
    const rows = [[0, 0, 255, 255, 255, 255, 255, 128]];
    const img = decodeBmp(bmp({ width: 2, height: 1, depth: 32, compression: 3, masks, rows }), "s", { red: 100, green: 100, blue: 100 });
    // (bg * (255 - a) + c * a) >> 8, as systemd-stub computes it: opaque 255 comes out as 254.
    expect(px(img, 0, 0)).toEqual([(100 * 0 + 255 * 255) >> 8, 0, 0]);
    expect(px(img, 1, 0)).toEqual(Array(3).fill((100 * 127 + 255 * 128) >> 8));
  });

  test("16 bits without masks: 5-5-5, each channel scaled by 8", () => {
    // 0x7c00 is pure red in 5-5-5.
    const img = decodeBmp(bmp({ width: 1, height: 1, depth: 16, rows: [[0x00, 0x7c]] }), "s");
    expect(px(img, 0, 0)).toEqual([(31 * 8 * 255) >> 8, 0, 0]);
  });

  const refused: [string, Uint8Array, RegExp][] = [
    ["not a BMP", new Uint8Array(80).fill(1), /it does not start with "BM"/],
    [
      "a file size that is not the section's",
      bmp({ width: 1, height: 1, depth: 24, rows: [[0, 0, 0]], size: 999 }),
      /its header gives 999 bytes, the section has 58/,
    ],
    ["RLE compression", bmp({ width: 1, height: 1, depth: 8, rows: [[0]], compression: 1, palette: [[0, 0, 0]] }), /8-bit pixels with compression 1/],
    ["an unknown depth", bmp({ width: 1, height: 1, depth: 2, rows: [[0]] }), /2-bit pixels/],
    ["rows past the end", bmp({ width: 1, height: 1, depth: 24, rows: [[0, 0, 0]] }).subarray(0, 57), /header gives 58 bytes, the section has 57/],
    [
      "a colour table too short for its depth",
      bmp({ width: 1, height: 1, depth: 8, rows: [[9]], palette: [[0, 0, 0]] }),
      /colour table holds 1 colours, 8-bit pixels need 256/,
    ],
  ];
  test.each(refused)("%s is a FormatError naming the source", (_, bytes, pattern) => {
    let err: unknown;
    try {
      decodeBmp(bytes, "/run/ukiboot/esp/EFI/Linux/a.efi (.splash)");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toStartWith('Cannot draw the splash "/run/ukiboot/esp/EFI/Linux/a.efi (.splash)": ');
    expect((err as Error).message).toMatch(pattern);
  });

  test("a top-down BMP (negative height), which systemd-stub does not draw either, is refused", () => {
    const b = bmp({ width: 1, height: 1, depth: 24, rows: [[0, 0, 0]] });
    new DataView(b.buffer).setInt32(22, -1, true);
    expect(() => decodeBmp(b, "s")).toThrow(/height is negative \(rows top-down\)/);
  });
});
