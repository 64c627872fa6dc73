/**
 * What the composition root hands every command: a way to build the effect layer for it, and the chooser
 * for a terminal. src/main.ts wires in the Linux implementation and the Ink menu; tests wire in fakes.
 */
import type { ChooserFactory } from "./chooser.ts";
import type { InstallHost } from "./install-host.ts";
import type { Sys } from "./sys.ts";

export interface SysRequest {
  /** Read and write EFI variables in this directory instead of /sys/firmware/efi/efivars. */
  efivarfs?: string;
  /** Print debug lines too. */
  debug?: boolean;
  /** Also write log lines to the kernel log, as PID 1 does. */
  kernelLog?: boolean;
  /** Write log lines to every console the menu is drawn on, as PID 1 does (docs/menu.md §4). */
  allConsoles?: boolean;
}

export interface Platform {
  sys(request: SysRequest): Sys;
  chooser: ChooserFactory;
  /** The installer's view of a running system (`ukiboot install` and its siblings). */
  installHost(): InstallHost;
}
