/**
 * Which terminals get the menu (docs/menu.md §4). systemd-boot draws on every console the firmware has and
 * reads keys from all of them; the boot kernel's equivalent is every console it writes its messages to
 * (/proc/consoles), and the VT when a framebuffer console shows it even though no console= names it, since
 * a person at the screen sees nothing else. The console /dev/console is comes first: its size sets the
 * page that PgUp and PgDn move by.
 */
import type { KernelConsole } from "./proc-consoles.ts";

export interface ConsoleFacts {
  readonly consoles: readonly KernelConsole[];
  /** The device node name of a MAJOR:MINOR (/sys/dev/char/M:m/uevent DEVNAME), or null. */
  readonly deviceName: (device: { major: number; minor: number }) => string | null;
  /** The VT in front (/sys/class/tty/tty0/active, e.g. `tty1`), when a framebuffer console shows it; else null. */
  readonly framebufferVt: string | null;
}

/** The device names (`ttyS0`, `tty1`) to draw the menu on, the preferred console first, each once. */
export function menuConsoles(facts: ConsoleFacts): string[] {
  const enabled = facts.consoles.filter((c) => c.enabled && c.device !== null);
  const ordered = [...enabled.filter((c) => c.preferred), ...enabled.filter((c) => !c.preferred)];
  const names: string[] = [];
  for (const c of ordered) {
    const name = facts.deviceName(c.device!);
    if (name && !names.includes(name)) names.push(name);
  }
  // A VT is a VT whichever number: one already listed is the screen.
  if (facts.framebufferVt && !names.some((n) => /^tty\d+$/.test(n))) names.push(facts.framebufferVt);
  return names;
}
