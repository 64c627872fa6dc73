/**
 * A 24-bit uncompressed BMP as image editors write it (BITMAPFILEHEADER, a 40-byte BITMAPINFOHEADER, rows
 * bottom-up padded to 4 bytes): the splash of the flow tests and of the screen scenario.
 */
export type Pixel = readonly [number, number, number];

export function writeBmp24(width: number, height: number, pixel: (x: number, y: number) => Pixel): Uint8Array {
  const rowSize = Math.floor((24 * width + 31) / 32) * 4;
  const offset = 14 + 40;
  const out = new Uint8Array(offset + rowSize * height);
  const v = new DataView(out.buffer);
  out.set([0x42, 0x4d]);
  v.setUint32(2, out.length, true);
  v.setUint32(10, offset, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, width, true);
  v.setInt32(22, height, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, 24, true);
  for (let y = 0; y < height; y++) {
    const row = offset + (height - 1 - y) * rowSize;
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      out.set([b, g, r], row + x * 3);
    }
  }
  return out;
}

/** Quadrants of four colours with a diagonal, so that a shift, a flip or swapped channels all show. */
export function splashPattern(width: number, height: number): Uint8Array {
  return writeBmp24(width, height, (x, y) => {
    if (x === y) return [255, 255, 255];
    const left = x < width / 2;
    const top = y < height / 2;
    return top ? (left ? [220, 40, 40] : [40, 200, 60]) : left ? [40, 80, 230] : [240, 200, 30];
  });
}
