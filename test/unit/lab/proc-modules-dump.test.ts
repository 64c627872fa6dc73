/**
 * The QEMU scenarios' reading of the boot kernel's /proc/modules from its console: the line ukiboot's
 * console log writes under ukiboot.debug, read back strictly.
 */
import { expect, test } from "bun:test";
import { PROC_MODULES_DEBUG } from "../../../src/flow/pid1.ts";
import { ConsoleLog } from "../../../src/linux/console-log.ts";
import { procModulesDump } from "../../lab/proc-modules-dump.ts";

/** What the serial console shows for `message` logged at debug level by PID 1 with ukiboot.debug. */
function consoleLine(message: string): string {
  let out = "";
  new ConsoleLog({ write: (s: string) => (out += s) }, { debug: true }).debug(message);
  return out.replace(/\n/g, "\r\n");
}

const around = (line: string) => `ukiboot: loaded modules: ahci sd_mod\r\n[    2.1] sd 0:0:0:0: [sda] Attached SCSI disk\r\n${line}ukiboot: booting "x"\r\n`;

test("the line ConsoleLog writes is read back, around other console lines", () => {
  expect(procModulesDump(around(consoleLine(`${PROC_MODULES_DEBUG} sd_mod libahci ahci vfat`)))).toEqual(["sd_mod", "libahci", "ahci", "vfat"]);
  expect(procModulesDump(around(consoleLine(`${PROC_MODULES_DEBUG} (none)`)))).toEqual([]);
});

test("no line (ukiboot.debug missing, or the boot ended earlier) is an error that says so, not an empty list", () => {
  expect(() => procModulesDump(around(""))).toThrow(
    /has no "ukiboot: modules the kernel lists in \/proc\/modules: …" line: was ukiboot\.debug on its command line/,
  );
  // Without ukiboot.debug the console log does not print debug lines at all.
  let out = "";
  new ConsoleLog({ write: (s: string) => (out += s) }).debug(`${PROC_MODULES_DEBUG} sd_mod`);
  expect(() => procModulesDump(around(out))).toThrow(/has no/);
});

test("an unreadable /proc/modules, two lines, or a garbled one are errors", () => {
  expect(() => procModulesDump(around(consoleLine(`${PROC_MODULES_DEBUG} (unreadable)`)))).toThrow(
    "ukiboot could not list the boot kernel's modules: (unreadable)",
  );
  const line = consoleLine(`${PROC_MODULES_DEBUG} sd_mod`);
  expect(() => procModulesDump(around(line + line))).toThrow(/has 2 .* lines, where one boot writes one/);
  expect(() => procModulesDump(around(consoleLine(`${PROC_MODULES_DEBUG} sd_mod [    3.0] virtio`)))).toThrow(/not module names \("\[", "3\.0\]"\)/);
});
