/**
 * /proc/consoles: the consoles the kernel writes its messages to, one a line, in the order they were
 * registered (fs/proc/consoles.c). A line is the console's name and index, its operations (R read, W write,
 * U unblank), its flags in parentheses (E enabled, C the console /dev/console is, B boot console, p printk
 * buffer, b braille, a any time), and the tty device behind it as MAJOR:MINOR when there is one:
 *
 *     ttyS0                -W- (EC  p a)    4:64
 *     tty0                 -WU (E   p  )    4:1
 *
 * The VT console is named tty0 whatever VT is in front; its device is the VT it writes to.
 */
import { FormatError } from "../errors.ts";

export interface KernelConsole {
  /** The console's name with its index, as console= names it: `ttyS0`, `tty0`, `hvc0`. */
  readonly name: string;
  readonly enabled: boolean;
  /** The console /dev/console is (the last console= given). */
  readonly preferred: boolean;
  /** The character device behind it; null for a console with none (netconsole). */
  readonly device: { readonly major: number; readonly minor: number } | null;
}

const LINE = /^(\S+)\s+([R-][W-][U-])\s+\(([^)]*)\)(?:\s+(\d+):(\d+))?\s*$/;

/** @throws FormatError naming the line that is not in the kernel's format */
export function parseProcConsoles(text: string, source = "/proc/consoles"): KernelConsole[] {
  const out: KernelConsole[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    const m = LINE.exec(line);
    if (!m)
      throw new FormatError("proc-consoles", source, `Cannot read ${source}: line ${i + 1} ("${line}") is not "NAME OPS (FLAGS) MAJOR:MINOR"`, { line: i + 1 });
    const flags = m[3]!;
    out.push({
      name: m[1]!,
      enabled: flags.includes("E"),
      preferred: flags.includes("C"),
      device: m[4] !== undefined ? { major: Number(m[4]), minor: Number(m[5]) } : null,
    });
  }
  return out;
}
