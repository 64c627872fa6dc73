/**
 * The screen behind the Screen port (docs/splash.md §3): /dev/fb0, the framebuffer efifb (or a DRM driver's
 * fbdev emulation) gives the firmware's display, and the VT in front, put in graphics mode while the splash
 * shows so that neither the console's text nor its cursor is drawn over it.
 */
import { closeSync, constants, openSync, readFileSync, writeSync } from "node:fs";
import { BootError } from "../errors.ts";
import { FB_FIX_SCREENINFO_SIZE, FB_VAR_SCREENINFO_SIZE, type FramebufferInfo, parseFbScreenInfo } from "../splash/fb-screeninfo.ts";
import type { Screen } from "../ports/sys.ts";
import { sysCall } from "./libc.ts";
import { FBIOGET_FSCREENINFO, FBIOGET_VSCREENINFO, KD_GRAPHICS, KD_TEXT, KDSETMODE } from "./syscall-numbers.ts";

const FRAMEBUFFER = "/dev/fb0";

export class LinuxScreen implements Screen {
  private fb: { fd: number; info: FramebufferInfo } | null | undefined;
  private vt: number | null = null;

  framebuffer(): FramebufferInfo | null {
    if (this.fb === undefined) this.fb = openFramebuffer();
    return this.fb?.info ?? null;
  }

  showFrame(frame: Uint8Array): void {
    const fb = this.fb ?? null;
    if (!fb) throw new Error("Internal error: showFrame() before framebuffer() found one");
    this.vt ??= openForegroundVt();
    if (this.vt !== null) {
      sysCall("ioctl", [this.vt, KDSETMODE, KD_GRAPHICS], {
        args: `fd=${this.vt}, KDSETMODE, KD_GRAPHICS`,
        action: "stop the console drawing text over the splash",
      });
    }
    let done = 0;
    while (done < frame.length) done += writeSync(fb.fd, frame, done, frame.length - done, fb.info.visibleOffset + done);
  }

  restoreText(): void {
    if (this.vt === null) return;
    try {
      sysCall("ioctl", [this.vt, KDSETMODE, KD_TEXT], { args: `fd=${this.vt}, KDSETMODE, KD_TEXT`, action: "give the console its text back" });
    } finally {
      closeSync(this.vt);
      this.vt = null;
    }
  }
}

function openFramebuffer(): { fd: number; info: FramebufferInfo } | null {
  let fd: number;
  try {
    fd = openSync(FRAMEBUFFER, constants.O_RDWR);
  } catch (e) {
    // No framebuffer device is a machine without a screen (or a kernel without fbdev): nothing to draw on.
    if (["ENOENT", "ENODEV", "ENXIO"].includes((e as NodeJS.ErrnoException).code ?? "")) return null;
    throw e;
  }
  try {
    const v = new Uint8Array(FB_VAR_SCREENINFO_SIZE);
    const f = new Uint8Array(FB_FIX_SCREENINFO_SIZE);
    sysCall("ioctl", [fd, FBIOGET_VSCREENINFO, v], { args: `"${FRAMEBUFFER}", FBIOGET_VSCREENINFO`, action: "read the framebuffer's format" });
    sysCall("ioctl", [fd, FBIOGET_FSCREENINFO, f], { args: `"${FRAMEBUFFER}", FBIOGET_FSCREENINFO`, action: "read the framebuffer's line length" });
    return { fd, info: parseFbScreenInfo(v, f, FRAMEBUFFER) };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** The VT in front (/sys/class/tty/tty0/active), or null without VTs. */
function openForegroundVt(): number | null {
  let name = "tty1";
  try {
    name = readFileSync("/sys/class/tty/tty0/active", "utf8").trim() || name;
  } catch {
    return null;
  }
  try {
    return openSync(`/dev/${name}`, constants.O_RDWR | constants.O_NOCTTY);
  } catch (e) {
    throw new BootError(
      `Cannot open /dev/${name}, the console in front of the screen: ${(e as Error).message}`,
      "The splash needs the VT's device node; boot with devtmpfs mounted on /dev",
    );
  }
}
