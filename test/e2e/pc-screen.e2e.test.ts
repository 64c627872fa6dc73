/**
 * QEMU scenario: a person at a PC (docs/menu.md §4). Debian's generic kernel boots ukiboot under OVMF with
 * QEMU's VGA, the PC keyboard port switched off and a USB keyboard on xHCI, so the only keyboard is USB, and
 * with console=ttyS0 console=tty0. What the screen shows is read by tesseract from QEMU's screendump and by
 * ImageMagick for the pixels; keys come from the monitor's sendkey (the USB keyboard) and the serial console.
 */
import { beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../build/debian.ts";
import { run } from "../../build/lib/run-command.ts";
import { splashPattern } from "../support/bmp-writer.ts";
import { E2E_TIMEOUT_MS, e2eReady, perTestScratch, runScenario } from "../support/e2e.ts";
import { buildEspScenario, type BuiltEsp } from "../lab/esp-scenarios.ts";
import {
  bandBrightness,
  ensureScreenTools,
  IMAGEMAGICK,
  ocrLines,
  PC_CMDLINE,
  PC_ESP,
  PC_SPLASH,
  pcInitramfs,
  pcVmOptions,
  ppmSize,
  rgbPixels,
  type OcrLine,
} from "../lab/pc-lab.ts";
import type { Vm } from "../lab/qemu.ts";
import { parseTargetReport } from "../lab/target-system.ts";

const scratchFor = perTestScratch();
let pc: Awaited<ReturnType<typeof pcInitramfs>>;
let esp: BuiltEsp;

beforeAll(async () => {
  await ensureScreenTools();
  await e2eReady();
  pc = await pcInitramfs();
  esp = await buildEspScenario(PC_ESP);
}, 900_000);

/** Takes screendumps until `holds` accepts one (the screen is drawn a little after the serial console). */
async function screenUntil<T>(vm: Vm, file: string, holds: (file: string) => Promise<T | null>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await vm.monitorNow(`screendump ${file}`);
    const r = await holds(file);
    if (r !== null) return r;
    if (Date.now() > deadline) throw new Error(`The screen never showed ${what} within ${timeoutMs / 1000} s; the last screendump is ${file}`);
    await Bun.sleep(1000);
  }
}

/** The selected row is drawn light across the screen, the others are light text on black. */
const SELECTED = (light: number, dark: number) => light > 100 && dark < 50;

test(
  "a PC: the menu on the screen and on serial, keys from the USB keyboard and from serial, the second entry boots with its splash drawn before the jump",
  async () => {
    const scratch = scratchFor("pc-screen-");
    const dump = (name: string) => join(scratch, `${name}.ppm`);
    const { report, splash, screenWidth } = await runScenario(
      "pc-screen",
      () => pcVmOptions({ kernel: pc.kernel.vmlinuz, initrd: pc.image, esp: esp.image, append: `${PC_CMDLINE} ukiboot.debug` }),
      async (vm) => {
        await vm.expect(/> +Target OS pc-2\.0/, 300_000);
        // Both consoles, as the boot kernel's /proc/consoles names them: the VT (/dev/console) first.
        expect(vm.output).toContain("ukiboot: status lines go to /dev/tty1 /dev/ttyS0");
        expect(vm.output).toContain("ukiboot: the menu is drawn on /dev/tty1 /dev/ttyS0");
        // 2. What the screen shows: tesseract finds every entry's title.
        const lines = await screenUntil(
          vm,
          dump("menu"),
          async (f) => {
            const l = await ocrLines(f, scratch);
            return l.some((x) => x.text.includes("Target OS pc-2.0")) && l.some((x) => x.text.includes("Target OS pc-1.0")) ? l : null;
          },
          "both entries' titles",
        );
        const { width } = ppmSize(dump("menu"));
        const rowOf = (title: string): OcrLine => lines.find((l) => l.text.includes(title))!;
        const newer = rowOf("Target OS pc-2.0");
        const older = rowOf("Target OS pc-1.0");
        for (const t of ["Rescue Shell", "Reboot The System", "Power Off The System"]) expect(lines.some((l) => l.text.includes(t))).toBe(true);
        // A small picture of the menu for the README (docs/images/), the menu's corner of the screen.
        mkdirSync(join(REPO_ROOT, "test", ".tmp"), { recursive: true });
        await run([IMAGEMAGICK, dump("menu"), "-crop", "640x160+0+0", "+repage", join(REPO_ROOT, "test", ".tmp", "menu-screen.png")]);
        // The selected row is drawn light: the default, the newer entry.
        const band = (f: string, l: OcrLine) => bandBrightness(f, l.top, l.height, width);
        expect(SELECTED(await band(dump("menu"), newer), await band(dump("menu"), older))).toBe(true);

        // 3. A key typed on serial moves the selection on the screen too.
        let mark = vm.output.length;
        vm.type("\x1b[B");
        await vm.expect(/> +Target OS pc-1\.0/, 60_000, mark);
        await screenUntil(
          vm,
          dump("after-serial-key"),
          async (f) => (SELECTED(await band(f, older), await band(f, newer)) ? true : null),
          "the selection on the older entry",
          30_000,
        );

        // 1. Keys from the USB keyboard drive the menu on serial too: up, then down and enter boots the second entry.
        mark = vm.output.length;
        await vm.monitorNow("sendkey up");
        await vm.expect(/> +Target OS pc-2\.0/, 60_000, mark);
        mark = vm.output.length;
        await vm.monitorNow("sendkey down");
        await vm.expect(/> +Target OS pc-1\.0/, 60_000, mark);
        await vm.monitorNow("sendkey ret");

        // 4. The splash, drawn right before the jump: the screen as it is then.
        const drew = await vm.expect(/drew the (\d+)×(\d+) splash of \S+pc-1\.0\.efi at (\d+),(\d+) on the (\d+)×(\d+) screen/, 300_000);
        await vm.monitorNow(`screendump ${dump("splash")}`);
        await vm.expect(/UKIBOOT-TARGET-END/, 300_000);
        return { report: parseTargetReport(vm.output), splash: drew, screenWidth: width };
      },
    );
    expect(report?.name).toBe("pc-1.0");
    expect(report?.cmdline).toContain("UKIBOOT_TARGET=pc-1.0");
    expect(report?.cmdline).toContain("systemd.set_credential=ukiboot.booted-entry:pc-1.0.efi");

    // The BMP's pixels at the centre of the screen, both read by ImageMagick; the centre worked out here from
    // the screendump's size, not taken from ukiboot's line.
    const { width, height } = ppmSize(dump("splash"));
    expect(width).toBe(screenWidth);
    const x = Math.floor((width - PC_SPLASH.width) / 2);
    const y = Math.floor((height - PC_SPLASH.height) / 2);
    expect(splash.slice(1)).toEqual([String(PC_SPLASH.width), String(PC_SPLASH.height), String(x), String(y), String(width), String(height)]);
    const bmp = join(scratch, "splash.bmp");
    writeFileSync(bmp, splashPattern(PC_SPLASH.width, PC_SPLASH.height));
    const expected = await rgbPixels(bmp);
    const shown = await rgbPixels(dump("splash"), { x, y, width: PC_SPLASH.width, height: PC_SPLASH.height });
    expect(shown.length).toBe(PC_SPLASH.width * PC_SPLASH.height * 3);
    expect(Buffer.from(shown).equals(Buffer.from(expected))).toBe(true);
    // Around it, the stub's black background.
    const border = await rgbPixels(dump("splash"), { x: x - 4, y: y - 4, width: PC_SPLASH.width + 8, height: 4 });
    expect(border.every((v) => v === 0)).toBe(true);
  },
  E2E_TIMEOUT_MS,
);
