/**
 * The crash kernel's command line (docs/kdump.md §3): the entry's own line with the options that only make
 * sense for the production kernel removed (crashkernel= above all, which would reserve memory again inside
 * the reservation), then the options distributions give a crash kernel: reset devices the crashed kernel
 * left running, one CPU, polled interrupts, the unit that saves the dump, and memory kept small.
 */
import { splitKernelCmdline } from "../cmdline/kernel-options.ts";

/**
 * Debian kdump-tools' KDUMP_CMDLINE_APPEND, then the memory limits of Fedora kdump-utils: cgroup memory
 * accounting off, at most two udev workers, no CMA areas, and a reboot 10 s after a panic of the crash
 * kernel itself.
 */
export const DEFAULT_KDUMP_APPEND: readonly string[] = [
  "reset_devices",
  "systemd.unit=kdump-tools-dump.service",
  "nr_cpus=1",
  "irqpoll",
  "usbcore.nousb",
  "cgroup_disable=memory",
  "udev.children-max=2",
  "cma=0",
  "hugetlb_cma=0",
  "panic=10",
];

/** What kdump-utils removes from the production line, with crashkernel= first. */
export const DEFAULT_KDUMP_REMOVE: readonly string[] = [
  "crashkernel",
  "hugepages",
  "hugepagesz",
  "default_hugepagesz",
  "hugetlb_cma",
  "cma",
  "slub_debug",
  "log_buf_len",
  "swiotlb",
  "quiet",
];

export interface CrashCmdlineRules {
  /** Option names to drop, with or without a value. */
  remove: readonly string[];
  /** Words appended; an option named here is dropped from the entry's line first. */
  append: readonly string[];
}

/** The option name of a word: quotes removed, up to "=", with "-" read as "_" as the kernel's parameq() does. */
function optionName(word: string): string {
  const plain = word.replaceAll('"', "");
  const eq = plain.indexOf("=");
  return (eq < 0 ? plain : plain.slice(0, eq)).replaceAll("-", "_");
}

/** The entry's line rewritten for a crash kernel, and the words that were removed (for the person to see). */
export function crashCmdline(cmdline: string, rules: CrashCmdlineRules): { cmdline: string; removed: string[] } {
  const drop = new Set([...rules.remove, ...rules.append].map(optionName));
  const kept: string[] = [];
  const removed: string[] = [];
  for (const w of splitKernelCmdline(cmdline, { keepQuotes: true })) (drop.has(optionName(w)) ? removed : kept).push(w);
  return { cmdline: [...kept, ...rules.append].join(" "), removed };
}
