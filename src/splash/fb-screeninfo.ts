/**
 * The framebuffer's format as the kernel reports it (include/uapi/linux/fb.h), from the two structures its
 * ioctls fill: FBIOGET_VSCREENINFO's `fb_var_screeninfo` (160 bytes: the visible size, the panning offset,
 * bits per pixel and each colour channel's bit field) and FBIOGET_FSCREENINFO's `fb_fix_screeninfo` (80 bytes
 * on a 64-bit kernel, whose `line_length` follows two `unsigned long`-aligned fields at offset 48).
 */
import { FormatError } from "../errors.ts";
import type { FramebufferFormat } from "./splash-frame.ts";

export const FB_VAR_SCREENINFO_SIZE = 160;
export const FB_FIX_SCREENINFO_SIZE = 80;

export interface FramebufferInfo extends FramebufferFormat {
  /** Where the visible screen starts in the framebuffer's memory, in bytes (the panning offset). */
  readonly visibleOffset: number;
}

/** @throws FormatError when a structure is shorter than the kernel's */
export function parseFbScreenInfo(varInfo: Uint8Array, fixInfo: Uint8Array, source: string): FramebufferInfo {
  if (varInfo.length < FB_VAR_SCREENINFO_SIZE || fixInfo.length < FB_FIX_SCREENINFO_SIZE)
    throw new FormatError(
      "fb-screeninfo",
      source,
      `Cannot read the framebuffer format of ${source}: the kernel's answer is shorter than fb_var_screeninfo and fb_fix_screeninfo`,
    );
  const v = new DataView(varInfo.buffer, varInfo.byteOffset, varInfo.byteLength);
  const f = new DataView(fixInfo.buffer, fixInfo.byteOffset, fixInfo.byteLength);
  const u32 = (d: DataView, at: number) => d.getUint32(at, true);
  const field = (at: number) => ({ offset: u32(v, at), length: u32(v, at + 4) });
  const bitsPerPixel = u32(v, 24);
  const lineLength = u32(f, 48);
  return {
    width: u32(v, 0),
    height: u32(v, 4),
    bitsPerPixel,
    lineLength,
    red: field(32),
    green: field(44),
    blue: field(56),
    visibleOffset: u32(v, 20) * lineLength + u32(v, 16) * Math.ceil(bitsPerPixel / 8),
  };
}
