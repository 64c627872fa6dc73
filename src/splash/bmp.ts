/**
 * A UKI's `.splash`: a Windows BMP, read as systemd-stub 257 reads it (docs/splash.md §1), so that ukiboot
 * draws what the stub would and refuses what the stub refuses: 1, 4, 8 and 24 bits uncompressed, 16 and 32
 * bits uncompressed or with channel masks (BI_BITFIELDS), rows bottom-up and padded to 4 bytes, at most
 * 64 MiB of rows. The pixels are composed onto the background with the stub's arithmetic, including its
 * alpha blend of 16- and 32-bit pixels, which takes one from an opaque 255.
 */
import { FormatError } from "../errors.ts";

export interface Rgb {
  readonly red: number;
  readonly green: number;
  readonly blue: number;
}

export interface SplashImage {
  readonly width: number;
  readonly height: number;
  /** Three bytes a pixel (red, green, blue), the top row first. */
  readonly rgb: Uint8Array;
}

const FILE_HEADER = 14;
/** BITMAPINFOHEADER: the least the stub accepts; later headers are read for their channel masks only. */
const INFO_HEADER = 40;
const WITH_RGB_MASKS = 52;
const WITH_ALPHA_MASK = 56;
const MAX_PIXEL_BYTES = 64 * 1024 * 1024;
const BI_RGB = 0;
const BI_BITFIELDS = 3;

interface Channel {
  readonly mask: number;
  readonly shift: number;
  readonly scale: number;
}

function popcount(n: number): number {
  let c = 0;
  for (let v = n >>> 0; v; v >>>= 1) c += v & 1;
  return c;
}

function channel(mask: number): Channel {
  const m = mask >>> 0;
  let shift = 0;
  while (shift < 32 && !((m >>> shift) & 1)) shift++;
  return { mask: m, shift, scale: Math.floor(0xff / (2 ** popcount(m) - 1)) };
}

/**
 * The image on `background` (black unless given; the stub uses grey only on Apple firmware).
 * @param source names the UKI and section in errors, e.g. `/run/ukiboot/esp/EFI/Linux/a.efi (.splash)`
 * @throws FormatError for anything systemd-stub would not draw
 */
export function decodeBmp(bytes: Uint8Array, source: string, background: Rgb = { red: 0, green: 0, blue: 0 }): SplashImage {
  const fail = (what: string): never => {
    throw new FormatError("bmp", source, `Cannot draw the splash "${source}": ${what}`);
  };
  if (bytes.length < FILE_HEADER + INFO_HEADER || bytes[0] !== 0x42 || bytes[1] !== 0x4d)
    fail(bytes.length < FILE_HEADER + INFO_HEADER ? `it has ${bytes.length} bytes, too few for a BMP` : 'it does not start with "BM", so it is no BMP');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fileSize = v.getUint32(2, true);
  const offset = v.getUint32(10, true);
  if (fileSize !== bytes.length) fail(`its header gives ${fileSize} bytes, the section has ${bytes.length}`);
  if (offset > fileSize) fail(`its pixels start at ${offset}, past its end`);
  const dibSize = v.getUint32(14, true);
  if (dibSize < INFO_HEADER) fail(`its header has ${dibSize} bytes; systemd-stub reads BITMAPINFOHEADER (40) and later ones`);
  const width = v.getUint32(18, true);
  if (v.getInt32(22, true) < 0) fail("its height is negative (rows top-down), which systemd-stub does not draw; save it bottom-up");
  const height = v.getUint32(22, true);
  const depth = v.getUint16(28, true);
  const compression = v.getUint32(30, true);
  const colorsUsed = v.getUint32(46, true);
  const allowed = [1, 4, 8, 24].includes(depth) ? [BI_RGB] : [16, 32].includes(depth) ? [BI_RGB, BI_BITFIELDS] : null;
  if (!allowed) fail(`it has ${depth}-bit pixels; systemd-stub draws 1, 4, 8, 16, 24 and 32`);
  if (!allowed!.includes(compression))
    fail(`it has ${depth}-bit pixels with compression ${compression}, which systemd-stub does not draw; save it uncompressed`);
  const rowSize = Math.floor((depth * width + 31) / 32) * 4;
  if (rowSize * height > MAX_PIXEL_BYTES) fail(`its ${width}×${height} pixels take more than 64 MiB`);
  if (fileSize - offset < rowSize * height) fail(`its ${height} rows of ${rowSize} bytes run past its end`);
  const tableStart = FILE_HEADER + dibSize;
  if (offset < tableStart) fail(`its pixels start at ${offset}, inside its header`);
  const tableBytes = offset - tableStart;
  if (tableBytes > 0) {
    const count = colorsUsed || (depth <= 8 ? 2 ** depth : 0);
    if (tableBytes !== count * 4) fail(`its colour table has ${tableBytes} bytes where ${count} colours take ${count * 4}`);
  }
  if (depth <= 8 && tableBytes < 4 * 2 ** depth) fail(`its colour table holds ${tableBytes / 4} colours, ${depth}-bit pixels need ${2 ** depth}`);

  const palette = (i: number): Rgb => ({ red: bytes[tableStart + i * 4 + 2]!, green: bytes[tableStart + i * 4 + 1]!, blue: bytes[tableStart + i * 4]! });
  const masked = (depth === 16 || depth === 32) && dibSize >= WITH_RGB_MASKS;
  // A zero mask would divide by zero in the stub; the default layout is what such a file means.
  const maskAt = (at: number, fallback: number) => (masked && v.getUint32(at, true) !== 0 ? v.getUint32(at, true) : fallback);
  const red = channel(maskAt(54, depth === 16 ? 0x7c00 : 0xff0000));
  const green = channel(maskAt(58, depth === 16 ? 0x03e0 : 0x00ff00));
  const blue = channel(maskAt(62, depth === 16 ? 0x001f : 0x0000ff));
  const alphaMask = masked && dibSize >= WITH_ALPHA_MASK ? v.getUint32(66, true) : 0;
  const alpha = alphaMask ? channel(alphaMask) : null;
  const take = (c: Channel, value: number) => (((value & c.mask) >>> c.shift) * c.scale) & 0xff;

  const rgb = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    const at = offset + row * rowSize;
    const out = (height - 1 - row) * width * 3;
    for (let x = 0; x < width; x++) {
      let c: Rgb;
      if (depth === 24) c = { red: bytes[at + x * 3 + 2]!, green: bytes[at + x * 3 + 1]!, blue: bytes[at + x * 3]! };
      else if (depth === 8) c = palette(bytes[at + x]!);
      else if (depth === 4) c = palette((bytes[at + (x >> 1)]! >> (x & 1 ? 0 : 4)) & 0x0f);
      else if (depth === 1) c = palette((bytes[at + (x >> 3)]! >> (7 - (x & 7))) & 1);
      else {
        const value = depth === 16 ? v.getUint16(at + x * 2, true) : v.getUint32(at + x * 4, true);
        const a = alpha ? take(alpha, value) : 0xff;
        const blend = (bg: number, fg: number) => (bg * (0xff - a) + fg * a) >> 8;
        c = {
          red: blend(background.red, take(red, value)),
          green: blend(background.green, take(green, value)),
          blue: blend(background.blue, take(blue, value)),
        };
      }
      rgb[out + x * 3] = c.red;
      rgb[out + x * 3 + 1] = c.green;
      rgb[out + x * 3 + 2] = c.blue;
    }
  }
  return { width, height, rgb };
}
