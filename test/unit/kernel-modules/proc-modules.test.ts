import { expect, test } from "bun:test";
import { FormatError } from "../../../src/errors.ts";
import { parseProcModules } from "../../../src/kernel-modules/proc-modules.ts";

// As a Debian kernel prints it to root, and to others (addresses zeroed), with taints and a module still loading.
const PROC_MODULES = `sd_mod 77824 2 - Live 0xffffffffc0480000
virtio_blk 24576 0 - Live 0x0000000000000000
libahci 53248 1 ahci, Live 0xffffffffc0452000
ahci 49152 0 - Live 0xffffffffc0466000
scsi_mod 286720 3 sd_mod,libata,ahci, Live 0xffffffffc03f1000
vboxdrv 696320 0 - Live 0xffffffffc0500000 (OE)
efivarfs 24576 1 - Loading 0xffffffffc0440000
`;

test("parseProcModules() returns every module's name in the kernel's order", () => {
  expect(parseProcModules(PROC_MODULES, "/proc/modules")).toEqual(["sd_mod", "virtio_blk", "libahci", "ahci", "scsi_mod", "vboxdrv", "efivarfs"]);
});

test("parseProcModules(): an empty file (nothing loaded, or every driver built in) lists none", () => {
  expect(parseProcModules("", "/proc/modules")).toEqual([]);
  expect(parseProcModules("\n", "/proc/modules")).toEqual([]);
});

test("parseProcModules() refuses a line that is not the kernel's format, naming the file and the line", () => {
  for (const [text, line] of [
    ["sd_mod 77824 2 - Live 0x0\nno size here\n", 2],
    ["sd-mod 77824 2 - Live 0x0\n", 1],
    ["<html>\n", 1],
  ] as const) {
    let error: unknown;
    try {
      parseProcModules(text, "/proc/modules");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).format).toBe("proc-modules");
    expect((error as FormatError).line).toBe(line);
    expect((error as FormatError).message).toStartWith(`Cannot read /proc/modules: line ${line} (`);
  }
});
