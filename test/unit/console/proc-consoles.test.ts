import { describe, expect, test } from "bun:test";
import { FormatError } from "../../../src/errors.ts";
import { menuConsoles } from "../../../src/console/menu-consoles.ts";
import { parseProcConsoles } from "../../../src/console/proc-consoles.ts";

// As fs/proc/consoles.c of Linux 6.12 prints them for console=ttyS0 console=tty0 (seven flags, E C B N p b a;
// the VT console is tty0 and its device the VT in front, tty1): the VT was named last, so it is /dev/console.
const BOTH = "ttyS0                -W- (E   p a)    4:64\ntty0                 -WU (EC  p  )    4:1\n";
// A bookworm machine's own, booted with console=ttyS0 only.
const SERIAL = "ttyS0                -W- (EC  p a)    4:64\n";

const DEVICES: Record<string, string> = { "4:64": "ttyS0", "4:1": "tty1", "4:65": "ttyS1" };
const deviceName = (d: { major: number; minor: number }) => DEVICES[`${d.major}:${d.minor}`] ?? null;

describe("/proc/consoles", () => {
  test("each line: the name console= gives, enabled, preferred, and the tty device", () => {
    expect(parseProcConsoles(BOTH)).toEqual([
      { name: "ttyS0", enabled: true, preferred: false, device: { major: 4, minor: 64 } },
      { name: "tty0", enabled: true, preferred: true, device: { major: 4, minor: 1 } },
    ]);
  });

  test("a console without a tty device (netconsole) has none", () => {
    expect(parseProcConsoles("netcon0              -W- (E     a)\n")).toEqual([{ name: "netcon0", enabled: true, preferred: false, device: null }]);
  });

  test("a line in another format is a FormatError naming the file and the line", () => {
    let err: unknown;
    try {
      parseProcConsoles(`${SERIAL}ttyS1 enabled\n`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toBe('Cannot read /proc/consoles: line 2 ("ttyS1 enabled") is not "NAME OPS (FLAGS) MAJOR:MINOR"');
  });
});

describe("the consoles that get the menu (docs/menu.md §4)", () => {
  test("console=ttyS0 console=tty0: both, the preferred one (the VT, /dev/console) first, as its device", () => {
    expect(menuConsoles({ consoles: parseProcConsoles(BOTH), deviceName, framebufferVt: "tty1" })).toEqual(["tty1", "ttyS0"]);
  });

  test("console=ttyS0 with a framebuffer console: the screen gets the menu too", () => {
    expect(menuConsoles({ consoles: parseProcConsoles(SERIAL), deviceName, framebufferVt: "tty1" })).toEqual(["ttyS0", "tty1"]);
  });

  test("console=ttyS0 on a serial-only machine: the serial console alone", () => {
    expect(menuConsoles({ consoles: parseProcConsoles(SERIAL), deviceName, framebufferVt: null })).toEqual(["ttyS0"]);
  });

  test("disabled consoles, consoles without a device and devices with no node are left out; each device once", () => {
    const consoles = parseProcConsoles(
      "ttyS1                -W- (    p a)    4:65\nnetcon0              -W- (E     a)\nttyS0                -W- (EC  p a)    4:64\nhvc0                 -W- (E   p a)  229:0\nttyS0                -W- (E   p a)    4:64\n",
    );
    expect(menuConsoles({ consoles, deviceName, framebufferVt: null })).toEqual(["ttyS0"]);
  });
});
