/**
 * The UKI's splash at boot (docs/splash.md §3), over the fake Sys: drawn from the verified copy after the ESP
 * is unmounted and just before the jump, nothing on a machine without a screen, one warning for a splash that
 * cannot be drawn, and the console's text back when the start fails.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runInit } from "../../../src/flow/pid1.ts";
import { SPLASH_BACKGROUND } from "../../../src/flow/show-splash.ts";
import { decodeBmp } from "../../../src/splash/bmp.ts";
import { placeSplash, splashFrame, type FramebufferFormat } from "../../../src/splash/splash-frame.ts";
import { splashPattern, writeBmp24 } from "../../support/bmp-writer.ts";
import { fakeSys } from "../../support/fake-sys.ts";
import { FLOW_INITRD, FLOW_KERNEL } from "../../support/flow-esp.ts";
import { DISK, espCopy, noMenu } from "../../support/pid1-harness.ts";
import { writeUki } from "../../support/uki-writer.ts";

const SCREEN: FramebufferFormat = {
  width: 64,
  height: 48,
  bitsPerPixel: 32,
  lineLength: 256,
  red: { offset: 16, length: 8 },
  green: { offset: 8, length: 8 },
  blue: { offset: 0, length: 8 },
};

function ukiWithSplash(splash: Uint8Array | undefined): Uint8Array {
  return writeUki({
    linux: FLOW_KERNEL,
    initrd: FLOW_INITRD,
    cmdline: "root=flow v=3",
    osRelease: 'ID=flow\nPRETTY_NAME="Flow OS 3"\nVERSION_ID=3\n',
    uname: "6.1.0-flow",
    ...(splash ? { splash } : {}),
  });
}

/** PID 1 booting flow-3.efi (the newest, so the default), which carries `splash`. */
async function bootWith(splash: Uint8Array | undefined, opts: { framebuffer?: FramebufferFormat; execFails?: boolean; swapOnRelease?: Uint8Array } = {}) {
  const esp = espCopy();
  const path = join(esp, "EFI/Linux/flow-3.efi");
  writeFileSync(path, ukiWithSplash(splash));
  const sys = fakeSys({
    partitions: [DISK],
    devices: { "/dev/vda1": esp },
    ...(opts.framebuffer ? { framebuffer: opts.framebuffer } : {}),
    ...(opts.swapOnRelease ? { onSnapshotRelease: () => writeFileSync(path, ukiWithSplash(opts.swapOnRelease)) } : {}),
  });
  if (opts.execFails) sys.kexec.failExec = new Error("kexec refused");
  const code = await runInit(sys, {}, noMenu, { write: () => true });
  return { sys, code, log: sys.log.text() };
}

/** The warnings about the splash (the fixture ESP has other files that are warned about). */
const splashWarnings = (log: string) => log.split("\n").filter((l) => l.startsWith("warn:") && l.includes("splash"));

const expectedFrame = (bmp: Uint8Array) => {
  const image = decodeBmp(bmp, "splash", SPLASH_BACKGROUND);
  return splashFrame(SCREEN, image, placeSplash(SCREEN, image), SPLASH_BACKGROUND);
};

describe("the splash at boot", () => {
  test("drawn centred on the framebuffer after the ESP is unmounted, right before the jump", async () => {
    const bmp = splashPattern(20, 10);
    const r = await bootWith(bmp, { framebuffer: SCREEN });
    expect(r.sys.kexec.loaded.map((p) => p.entryId)).toEqual(["flow-3.efi"]);
    expect(r.sys.frames).toEqual([expectedFrame(bmp)]);
    const events = r.sys.events;
    expect(events.slice(events.indexOf("release /run/ukiboot/esp"))).toEqual(["release /run/ukiboot/esp", "show splash", "exec", "release"]);
    expect(r.log).toContain("debug: drew the 20×10 splash of /run/ukiboot/esp/EFI/Linux/flow-3.efi at 22,19 on the 64×48 screen");
  });

  test("the picture is read while the verified copy is sealed: a splash swapped on the ESP once the seal is dropped is not drawn", async () => {
    const bmp = splashPattern(20, 10);
    const other = writeBmp24(20, 10, () => [0, 255, 0]);
    const r = await bootWith(bmp, { framebuffer: SCREEN, swapOnRelease: other });
    expect(r.sys.frames).toEqual([expectedFrame(bmp)]);
  });

  test("a serial-only machine: nothing is drawn and nothing is said but in debug", async () => {
    const r = await bootWith(splashPattern(20, 10));
    expect(r.sys.frames).toEqual([]);
    expect(splashWarnings(r.log)).toEqual([]);
    expect(r.sys.kexec.execs).toBe(1);
  });

  test("a UKI without a splash draws nothing, and leaves the screen alone", async () => {
    const r = await bootWith(undefined, { framebuffer: SCREEN });
    expect(r.sys.frames).toEqual([]);
    expect(r.sys.events).not.toContain("restore text");
  });

  test("a splash larger than the screen: one warning, no splash, the boot goes on", async () => {
    const r = await bootWith(splashPattern(65, 10), { framebuffer: SCREEN });
    expect(r.sys.frames).toEqual([]);
    expect(splashWarnings(r.log)).toEqual([
      "warn: not drawing the splash of /run/ukiboot/esp/EFI/Linux/flow-3.efi: the splash is 65×10 pixels, larger than the 64×48 screen",
    ]);
    expect(r.sys.kexec.execs).toBe(1);
  });

  test("a splash that is no BMP: one warning naming the UKI, no splash, the boot goes on", async () => {
    const r = await bootWith(new TextEncoder().encode("GIF89a not a bitmap"), { framebuffer: SCREEN });
    expect(r.sys.frames).toEqual([]);
    const warnings = splashWarnings(r.log);
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toStartWith("warn: not drawing the splash: ");
    expect(warnings[0]).toContain("flow-3.efi");
    expect(r.sys.kexec.execs).toBe(1);
  });

  test("a start that fails after the splash was drawn gives the console its text back", async () => {
    const r = await bootWith(splashPattern(20, 10), { framebuffer: SCREEN, execFails: true });
    expect(r.sys.frames.length).toBe(1);
    expect(r.sys.events).toContain("restore text");
    expect(r.sys.events.indexOf("restore text")).toBeGreaterThan(r.sys.events.indexOf("show splash"));
  });
});
