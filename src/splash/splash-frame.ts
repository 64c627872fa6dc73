/**
 * The screen systemd-stub leaves while the kernel starts: the whole framebuffer filled with the background,
 * the splash centred on it (docs/splash.md §2), laid out in the framebuffer's own pixel format as the
 * kernel describes it (`fb_var_screeninfo`: bits per pixel, each channel's offset and length; and the line
 * length of `fb_fix_screeninfo`), so that one write of the frame draws it.
 */
import type { Rgb, SplashImage } from "./bmp.ts";

export interface ChannelField {
  readonly offset: number;
  readonly length: number;
}

export interface FramebufferFormat {
  readonly width: number;
  readonly height: number;
  readonly bitsPerPixel: number;
  /** Bytes from one line to the next; at least width × bytes per pixel. */
  readonly lineLength: number;
  readonly red: ChannelField;
  readonly green: ChannelField;
  readonly blue: ChannelField;
}

/** Where the splash goes, or why it is not drawn. */
export type SplashPlacement = { readonly x: number; readonly y: number } | { readonly refused: string };

/** Centred, as the stub places it; larger than the screen in either direction is not drawn, as the stub's Blt() refuses it. */
export function placeSplash(fb: FramebufferFormat, image: Pick<SplashImage, "width" | "height">): SplashPlacement {
  if (![16, 24, 32].includes(fb.bitsPerPixel)) return { refused: `the framebuffer has ${fb.bitsPerPixel} bits per pixel; ukiboot draws on 16, 24 and 32` };
  if (image.width > fb.width || image.height > fb.height)
    return { refused: `the splash is ${image.width}×${image.height} pixels, larger than the ${fb.width}×${fb.height} screen` };
  return { x: Math.floor((fb.width - image.width) / 2), y: Math.floor((fb.height - image.height) / 2) };
}

/** One pixel's value in the framebuffer's format: each 8-bit channel cut to its field's length. */
function pack(fb: FramebufferFormat, c: Rgb): number {
  const field = (f: ChannelField, v: number) => (f.length === 0 ? 0 : ((v >> Math.max(0, 8 - f.length)) << f.offset) >>> 0);
  return (field(fb.red, c.red) | field(fb.green, c.green) | field(fb.blue, c.blue)) >>> 0;
}

/**
 * The whole frame, `lineLength × height` bytes.
 * @throws RangeError when `placement` refused, or the format cannot hold the screen's lines
 */
export function splashFrame(fb: FramebufferFormat, image: SplashImage, placement: SplashPlacement, background: Rgb): Uint8Array {
  if ("refused" in placement) throw new RangeError(`Cannot compose a splash frame: ${placement.refused}`);
  const bpp = fb.bitsPerPixel / 8;
  if (fb.lineLength < fb.width * bpp)
    throw new RangeError(`Cannot compose a splash frame: lines of ${fb.lineLength} bytes cannot hold ${fb.width} pixels of ${bpp} bytes`);
  const frame = new Uint8Array(fb.lineLength * fb.height);
  const put = (at: number, value: number) => {
    for (let i = 0; i < bpp; i++) frame[at + i] = (value >>> (8 * i)) & 0xff;
  };
  const bg = pack(fb, background);
  for (let y = 0; y < fb.height; y++) for (let x = 0; x < fb.width; x++) put(y * fb.lineLength + x * bpp, bg);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 3;
      const value = pack(fb, { red: image.rgb[i]!, green: image.rgb[i + 1]!, blue: image.rgb[i + 2]! });
      put((placement.y + y) * fb.lineLength + (placement.x + x) * bpp, value);
    }
  }
  return frame;
}
