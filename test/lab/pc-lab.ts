/**
 * The PC of the screen scenario and of `npm start -- --pc`: Debian's generic kernel (USB and laptop
 * keyboards, efifb and the VT) as the boot kernel, with ukiboot's image built from its modules; OVMF with
 * QEMU's VGA; the PC keyboard port switched off and a USB keyboard on an xHCI controller, so that the only
 * keyboard is USB; the serial console beside the screen. And the readers of what the screen shows:
 * QEMU's screendump, tesseract for the text, ImageMagick for the pixels.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { debianParts, debianPcKernel, ensureHostTools, type PcKernelParts } from "../../build/debian.ts";
import { buildInitramfs } from "../../build/initramfs.ts";
import { run } from "../../build/lib/run-command.ts";
import { BINARY } from "../support/e2e.ts";
import { buildOnce } from "./build-once.ts";
import type { EspScenario } from "./esp-scenarios.ts";
import type { VmOptions } from "./qemu.ts";

/** The second entry's splash: the lab's test pattern, small enough for any screen. */
export const PC_SPLASH = { width: 160, height: 96 };

/** Two UKIs; the older, listed second, carries the splash. menu-force: the menu waits for the keys. */
export const PC_ESP: EspScenario = {
  name: "pc",
  files: [
    { kind: "target-uki", path: "EFI/Linux/pc-1.0.efi", spec: { name: "pc-1.0", version: "1.0", splash: PC_SPLASH } },
    { kind: "target-uki", path: "EFI/Linux/pc-2.0.efi", spec: { name: "pc-2.0", version: "2.0" } },
    { kind: "text", path: "loader/loader.conf", text: "timeout menu-force\n" },
  ],
};

/** The serial console and the screen, the VT last so that it is /dev/console, as on a PC. */
export const PC_CMDLINE = "console=ttyS0 console=tty0 panic=-1 quiet";

/** ImageMagick 6 by its own name: another `convert` may come first in PATH. */
export const IMAGEMAGICK = "/usr/bin/convert-im6.q16";

/** The host tools of the screen scenario: tesseract with its English data, and ImageMagick. */
export async function ensureScreenTools(): Promise<void> {
  await ensureHostTools({ programs: { tesseract: "tesseract-ocr" }, files: { [IMAGEMAGICK]: "imagemagick" } });
}

/** ukiboot's image for the generic kernel: dist/ukiboot with that kernel's ESP and keyboard modules. */
export async function pcInitramfs(): Promise<{ image: string; kernel: PcKernelParts }> {
  const kernel = await debianPcKernel();
  const parts = await debianParts();
  const dir = await buildOnce(
    "pc-initramfs",
    { inputs: { kernel: kernel.kernelVersion }, code: import.meta.path, single: true, files: [BINARY] },
    async (out) => {
      await buildInitramfs({ binary: BINARY, busybox: parts.busybox, modulesDir: kernel.modulesDir, output: join(out, "initramfs.cpio.zst") });
    },
  );
  return { image: join(dir, "initramfs.cpio.zst"), kernel };
}

/** QEMU's devices of the PC: VGA, no PC keyboard port, a USB keyboard on xHCI. */
export const PC_DEVICES = ["-machine", "i8042=off", "-device", "VGA", "-device", "qemu-xhci,id=xhci", "-device", "usb-kbd,bus=xhci.0"];

export function pcVmOptions(opts: { kernel: string; initrd: string; esp: string; append?: string }): VmOptions {
  return {
    firmware: "ovmf",
    kernel: opts.kernel,
    initrd: opts.initrd,
    append: opts.append ?? PC_CMDLINE,
    disks: [{ path: opts.esp, iface: "nvme" }],
    extraArgs: PC_DEVICES,
  };
}

/** A screendump's size and its pixels as RGB bytes, read by ImageMagick. */
export async function rgbPixels(image: string, crop?: { x: number; y: number; width: number; height: number }): Promise<Uint8Array> {
  const args = [IMAGEMAGICK, image, ...(crop ? ["-crop", `${crop.width}x${crop.height}+${crop.x}+${crop.y}`, "+repage"] : []), "-depth", "8", "rgb:-"];
  const proc = Bun.spawn(args, { stdout: "pipe", stderr: "pipe" });
  const [bytes, err, code] = await Promise.all([new Response(proc.stdout).arrayBuffer(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`Cannot read the pixels of ${image} with ImageMagick (exit ${code}): ${err.trim()}`);
  return new Uint8Array(bytes);
}

/** Width and height of a binary PPM (P6), QEMU's screendump format, from its header. */
export function ppmSize(file: string): { width: number; height: number } {
  const head = new TextDecoder("latin1").decode(readFileSync(file).subarray(0, 64));
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(head);
  if (!m) throw new Error(`Cannot read ${file}: it is not a binary PPM (P6) as QEMU's screendump writes`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

export interface OcrLine {
  readonly text: string;
  /** The line's top edge and height on the screen, in pixels. */
  readonly top: number;
  readonly height: number;
}

/**
 * The lines of text tesseract reads on a screendump. tesseract reads dark text on light, and the console
 * draws light text on black but the selected row dark on light: each row of pixels that is mostly dark is
 * inverted, so every line is dark on light, cut to black and white, then enlarged and cut again
 * (tesseract wants more than the console's 8 pixels a character).
 */
export async function ocrLines(screen: string, scratch: string): Promise<OcrLine[]> {
  const { width, height } = ppmSize(screen);
  const rgb = await rgbPixels(screen);
  const gray = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    let sum = 0;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const g = Math.round((rgb[i]! + rgb[i + 1]! + rgb[i + 2]!) / 3);
      gray[y * width + x] = g;
      sum += g;
    }
    const invert = sum / width < 96;
    for (let x = 0; x < width; x++) {
      const g = invert ? 255 - gray[y * width + x]! : gray[y * width + x]!;
      gray[y * width + x] = g < 128 ? 0 : 255;
    }
  }
  const pgm = join(scratch, "ocr.pgm");
  writeFileSync(pgm, Buffer.concat([Buffer.from(`P5\n${width} ${height}\n255\n`), gray]));
  const prepared = join(scratch, "ocr.png");
  await run([IMAGEMAGICK, pgm, "-resize", "300%", "-threshold", "50%", prepared]);
  const { stdout } = await run(["tesseract", prepared, "-", "--psm", "6", "tsv"]);
  const byLine = new Map<string, { words: string[]; top: number; height: number }>();
  for (const row of stdout.split("\n").slice(1)) {
    const f = row.split("\t");
    if (f.length < 12 || f[11]!.trim() === "") continue;
    const key = `${f[2]}.${f[3]}.${f[4]}`;
    const line = byLine.get(key) ?? { words: [], top: Number(f[7]) / 3, height: Number(f[9]) / 3 };
    line.words.push(f[11]!.trim());
    byLine.set(key, line);
  }
  return [...byLine.values()].map((l) => ({ text: l.words.join(" "), top: l.top, height: l.height }));
}

/** How light a band of screen rows is on average (0 black … 255 white): the selected row's band is light. */
export async function bandBrightness(screen: string, top: number, height: number, width: number): Promise<number> {
  const px = await rgbPixels(screen, { x: 0, y: Math.round(top), width, height: Math.max(1, Math.round(height)) });
  let sum = 0;
  for (const v of px) sum += v;
  return sum / px.length;
}
