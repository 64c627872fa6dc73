import { expect, test } from "bun:test";
import { FormatError } from "../../../src/errors.ts";
import { FB_FIX_SCREENINFO_SIZE, FB_VAR_SCREENINFO_SIZE, parseFbScreenInfo } from "../../../src/splash/fb-screeninfo.ts";

/** The two structures as efifb fills them for OVMF's 1280×800 GOP mode on QEMU's VGA: XRGB8888, 5120-byte lines. */
function efifb(opts: { xoffset?: number; yoffset?: number } = {}): { v: Uint8Array; f: Uint8Array } {
  const v = new Uint8Array(FB_VAR_SCREENINFO_SIZE);
  const dv = new DataView(v.buffer);
  const put = (at: number, n: number) => dv.setUint32(at, n, true);
  put(0, 1280); // xres
  put(4, 800); // yres
  put(8, 1280); // xres_virtual
  put(12, 800); // yres_virtual
  put(16, opts.xoffset ?? 0);
  put(20, opts.yoffset ?? 0);
  put(24, 32); // bits_per_pixel
  put(32, 16); // red.offset
  put(36, 8); // red.length
  put(44, 8); // green.offset
  put(48, 8);
  put(56, 0); // blue.offset
  put(60, 8);
  put(68, 24); // transp.offset
  put(72, 8);
  const f = new Uint8Array(FB_FIX_SCREENINFO_SIZE);
  f.set(new TextEncoder().encode("EFI VGA"), 0);
  const df = new DataView(f.buffer);
  df.setBigUint64(16, 0x80000000n, true); // smem_start
  df.setUint32(24, 5120 * 800, true); // smem_len
  df.setUint32(48, 5120, true); // line_length
  return { v, f };
}

test("efifb's XRGB8888: the size, 32 bits, each channel's field, the line length", () => {
  const { v, f } = efifb();
  expect(parseFbScreenInfo(v, f, "/dev/fb0")).toEqual({
    width: 1280,
    height: 800,
    bitsPerPixel: 32,
    lineLength: 5120,
    red: { offset: 16, length: 8 },
    green: { offset: 8, length: 8 },
    blue: { offset: 0, length: 8 },
    visibleOffset: 0,
  });
});

test("a panned screen starts at yoffset lines and xoffset pixels into the memory", () => {
  const { v, f } = efifb({ xoffset: 2, yoffset: 800 });
  expect(parseFbScreenInfo(v, f, "/dev/fb0").visibleOffset).toBe(800 * 5120 + 2 * 4);
});

test("a short answer is a FormatError naming the device", () => {
  const { v } = efifb();
  expect(() => parseFbScreenInfo(v, new Uint8Array(40), "/dev/fb0")).toThrow(FormatError);
  expect(() => parseFbScreenInfo(v, new Uint8Array(40), "/dev/fb0")).toThrow("Cannot read the framebuffer format of /dev/fb0");
});
