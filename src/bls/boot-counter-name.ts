/**
 * Boot counters in file names, `<prefix>+<LEFT>[-<DONE>]<suffix>` (docs/efi-variables.md §5): parsing,
 * the name after the next boot (docs/efi-variables.md §5) and the counter-free UKI path for `.extra.d` (docs/initrd.md §1).
 */
import { NOT_COUNTED } from "../model/boot-entry.ts";

/** Counters are at most INT_MAX, as in systemd-boot. */
export const TRIES_MAX = 0x7fff_ffff;

export interface BootCounter {
  /** The name without the counter: prefix + suffix (the suffix as written in the file name). */
  stripped: string;
  /** −1 when the name has no valid counter. */
  triesLeft: number;
  triesDone: number;
  /** Whether the name spells out `-DONE` (bootctl 262 lists triesDone only then). */
  doneWritten: boolean;
  /** The name after the next boot, for counted names only. */
  next?: string;
}

/** Parses a run of ASCII digits at `at`; undefined when there is none or it exceeds INT_MAX. */
function parseCount(s: string, at: number): { value: number; end: number } | undefined {
  let end = at;
  while (end < s.length && s[end]! >= "0" && s[end]! <= "9") end++;
  if (end === at) return undefined;
  // Compare lengths first so that a long run of digits cannot lose precision.
  const digits = s.slice(at, end).replace(/^0+(?=.)/, "");
  if (digits.length > 10 || Number(digits) > TRIES_MAX) return undefined;
  return { value: Number(digits), end };
}

/**
 * `LEFT-DONE` after one more try. Each number keeps the width it was written with, as the current Boot Loader
 * Specification asks, so that the rename keeps the name's length (docs/efi-variables.md §5): `+10` becomes
 * `+09`, and a pre-allocated `-00` becomes `-01` and stops at `-99`. A name without `-DONE` gets `-1`: it
 * had no width to keep.
 */
function nextCounters(leftText: string, left: number, doneText: string | undefined, done: number): string {
  const nextLeft = String(Math.max(left - 1, 0)).padStart(leftText.length, "0");
  if (doneText === undefined) return `${nextLeft}-1`;
  const widest = doneText.length >= 10 ? TRIES_MAX : Math.min(10 ** doneText.length - 1, TRIES_MAX);
  return `${nextLeft}-${String(Math.min(done + 1, widest)).padStart(doneText.length, "0")}`;
}

/**
 * Parses the counter of `fileName`, whose type suffix is `suffix` (".conf" or ".efi"). The last `+`
 * starts the counter, and what follows the numbers must be the suffix (case-insensitive); otherwise
 * the name has no counter.
 * @example parseBootCounter("os-6.9+3.efi", ".efi") // {stripped: "os-6.9.efi", triesLeft: 3, triesDone: 0, next: "os-6.9+2-1.efi"}
 */
export function parseBootCounter(fileName: string, suffix: string): BootCounter {
  const none: BootCounter = { stripped: fileName, triesLeft: NOT_COUNTED, triesDone: NOT_COUNTED, doneWritten: false };
  const plus = fileName.lastIndexOf("+");
  if (plus < 0) return none;
  const left = parseCount(fileName, plus + 1);
  if (!left) return none;
  let done = { value: 0, end: left.end };
  let doneWritten = false;
  if (fileName[left.end] === "-") {
    const d = parseCount(fileName, left.end + 1);
    if (!d) return none;
    done = d;
    doneWritten = true;
  }
  const rest = fileName.slice(done.end);
  if (rest.toLowerCase() !== suffix.toLowerCase()) return none;
  const prefix = fileName.slice(0, plus);
  return {
    stripped: prefix + rest,
    triesLeft: left.value,
    triesDone: done.value,
    doneWritten,
    next: `${prefix}+${nextCounters(fileName.slice(plus + 1, left.end), left.value, doneWritten ? fileName.slice(left.end + 1, done.end) : undefined, done.value)}${rest}`,
  };
}

/**
 * What looks like a boot counter in a name that has none, for a warning: systemd-boot then lists the entry
 * under its full name and never counts its boots. undefined when the name has a valid counter or none at all.
 * @example malformedCounter("os+1-x.conf", ".conf") // "+1-x"
 */
export function malformedCounter(fileName: string, suffix: string): string | undefined {
  if (parseBootCounter(fileName, suffix).triesLeft !== NOT_COUNTED) return undefined;
  const stem = fileName.toLowerCase().endsWith(suffix.toLowerCase()) ? fileName.slice(0, fileName.length - suffix.length) : fileName;
  const m = /\+\d[^+]*$/.exec(stem);
  return m?.[0];
}

/**
 * The stub's counter-free path of a UKI (docs/initrd.md §1): it strips at the FIRST `+` of the whole path, and
 * only when `+digits[-digits]` is followed by `.` or the end of the string.
 * @example stripCounterFromPath("\\EFI\\Linux\\x+2-1.efi") // "\\EFI\\Linux\\x.efi"
 */
export function stripCounterFromPath(path: string): string {
  const plus = path.indexOf("+");
  if (plus < 0) return path;
  let i = plus + 1;
  const digits = () => {
    const at = i;
    while (i < path.length && path[i]! >= "0" && path[i]! <= "9") i++;
    return i > at;
  };
  if (!digits()) return path;
  if (path[i] === "-") {
    i++;
    if (!digits()) return path;
  }
  if (i < path.length && path[i] !== ".") return path;
  return path.slice(0, plus) + path.slice(i);
}
