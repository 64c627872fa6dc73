/**
 * The boot kernel's /proc/modules as ukiboot dumps it with `ukiboot.debug`, read from a scenario's console:
 * the kernel's own account of which drivers are loaded, for checks that must not take ukiboot's word for it.
 * The reading is strict: a console without exactly one such line, or one that says the file was unreadable,
 * is an error, never an empty list that trivially lacks whatever a test says must be absent.
 */
import { PROC_MODULES_DEBUG } from "../../src/flow/pid1.ts";

const PREFIX = `ukiboot: ${PROC_MODULES_DEBUG}`;
const NAME = /^[A-Za-z0-9_]+$/;

/** The module names of the one dump line in `consoleLog`. @throws Error saying what is missing or wrong */
export function procModulesDump(consoleLog: string): string[] {
  const lines = consoleLog
    .replace(/\r/g, "")
    .split("\n")
    .flatMap((l) => {
      const at = l.indexOf(PREFIX);
      return at < 0 ? [] : [l.slice(at + PREFIX.length).trim()];
    });
  if (lines.length === 0) {
    throw new Error(`The boot kernel's console has no "${PREFIX} …" line: was ukiboot.debug on its command line, and did PID 1 get as far as listing the ESP?`);
  }
  if (lines.length > 1) throw new Error(`The boot kernel's console has ${lines.length} "${PREFIX} …" lines, where one boot writes one:\n${lines.join("\n")}`);
  const value = lines[0]!;
  if (value === "(none)") return [];
  if (value.startsWith("(")) throw new Error(`ukiboot could not list the boot kernel's modules: ${value}`);
  const names = value.split(/\s+/);
  const bad = names.filter((n) => !NAME.test(n));
  if (bad.length) throw new Error(`The "${PREFIX} …" line has words that are not module names (${bad.map((b) => `"${b}"`).join(", ")}): ${value}`);
  return names;
}
