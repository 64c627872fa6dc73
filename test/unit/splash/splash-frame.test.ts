import { describe, expect, test } from "bun:test";
import { type FramebufferFormat, placeSplash, splashFrame } from "../../../src/splash/splash-frame.ts";

/** efifb on QEMU's VGA under OVMF: 32-bit XRGB, 8 bits a channel. */
const XRGB: FramebufferFormat = {
  width: 8,
  height: 4,
  bitsPerPixel: 32,
  lineLength: 8 * 4,
  red: { offset: 16, length: 8 },
  green: { offset: 8, length: 8 },
  blue: { offset: 0, length: 8 },
};
const BLACK = { red: 0, green: 0, blue: 0 };
/** 2×1: red, then blue. */
const IMAGE = { width: 2, height: 1, rgb: new Uint8Array([255, 0, 0, 0, 0, 255]) };

describe("the splash frame", () => {
  test("centred as systemd-stub centres it: (screen − image) / 2, rounded down", () => {
    expect(placeSplash(XRGB, IMAGE)).toEqual({ x: 3, y: 1 });
    expect(placeSplash(XRGB, { width: 7, height: 3 })).toEqual({ x: 0, y: 0 });
    expect(placeSplash(XRGB, { width: 8, height: 4 })).toEqual({ x: 0, y: 0 });
  });

  test("larger than the screen, or on a framebuffer of another depth, is not drawn, with the reason", () => {
    expect(placeSplash(XRGB, { width: 9, height: 1 })).toEqual({ refused: "the splash is 9×1 pixels, larger than the 8×4 screen" });
    expect(placeSplash({ ...XRGB, bitsPerPixel: 8 }, IMAGE)).toEqual({ refused: "the framebuffer has 8 bits per pixel; ukiboot draws on 16, 24 and 32" });
  });

  test("32 bits: the background everywhere, the image's pixels in the framebuffer's byte order at the centre", () => {
    const frame = splashFrame(XRGB, IMAGE, placeSplash(XRGB, IMAGE), { red: 1, green: 2, blue: 3 });
    expect(frame.length).toBe(8 * 4 * 4);
    const at = (x: number, y: number) => [...frame.subarray(y * 32 + x * 4, y * 32 + x * 4 + 4)];
    expect(at(0, 0)).toEqual([3, 2, 1, 0]);
    expect(at(3, 1)).toEqual([0, 0, 255, 0]);
    expect(at(4, 1)).toEqual([255, 0, 0, 0]);
    expect(at(5, 1)).toEqual([3, 2, 1, 0]);
  });

  test("16 bits RGB565 with padded lines: channels cut to their lengths, the padding left zero", () => {
    const fb: FramebufferFormat = {
      width: 2,
      height: 1,
      bitsPerPixel: 16,
      lineLength: 8,
      red: { offset: 11, length: 5 },
      green: { offset: 5, length: 6 },
      blue: { offset: 0, length: 5 },
    };
    const frame = splashFrame(fb, IMAGE, placeSplash(fb, IMAGE), BLACK);
    expect([...frame]).toEqual([0x00, 0xf8, 0x1f, 0x00, 0, 0, 0, 0]);
  });

  test("a refused placement or lines too short for the width are errors, not a frame", () => {
    expect(() => splashFrame(XRGB, IMAGE, { refused: "no" }, BLACK)).toThrow("Cannot compose a splash frame: no");
    expect(() => splashFrame({ ...XRGB, lineLength: 4 }, IMAGE, { x: 0, y: 0 }, BLACK)).toThrow(/lines of 4 bytes cannot hold 8 pixels/);
  });
});
