/**
 * The modules the running kernel has loaded, as /proc/modules lists them: one line per module,
 * `name size refcount deps state address [taints]`. Built-in drivers are not listed, so the file is the
 * kernel's own answer to which drivers ukiboot (or anything else) loaded, whatever ukiboot believes it did.
 */
import { FormatError } from "../errors.ts";

/** A module name as the kernel prints it (KBUILD_MODNAME: '-' already turned into '_'), then its size in bytes. */
const LINE = /^([A-Za-z0-9_]+) (\d+) /;

/**
 * The module names of `text` (the contents of /proc/modules), in the kernel's order; [] when it lists none.
 * @throws FormatError naming `source` when a line does not start with a module name and a size: the file
 * is the kernel's, so such a line means something else was read.
 */
export function parseProcModules(text: string, source: string): string[] {
  const names: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const m = LINE.exec(line);
    if (!m)
      throw new FormatError("proc-modules", source, `Cannot read ${source}: line ${i + 1} ("${line}") is not "name size refcount deps state address"`, {
        line: i + 1,
      });
    names.push(m[1]!);
  });
  return names;
}
