/**
 * Which companion files systemd-stub picks up next to a UKI and in /loader (docs/initrd.md §1):
 * the per-UKI ".extra.d" directory, the scan rules, and the byte-order sort, as pure functions over
 * directory listings (systemd src/boot/cpio.c pack_cpio(), stub.c load_addons_from_dir(), util.c get_extra_dir()).
 */
import { compareBytes } from "./cpio-newc.ts";

/** One directory entry as the filesystem layer lists it (structurally ReadOnlyFs's DirEntry). */
export interface ListedEntry {
  name: string;
  kind: "file" | "dir" | "other";
}

export type CompanionKind = "addons" | "credentials" | "sysext" | "confext";

export interface CompanionRule {
  /** Required suffix, compared case-insensitively. */
  suffix: string;
  /** Names ending in this (case-insensitively) are left out. */
  excludeSuffix?: string;
  /** Global directory on the same partition, in `\` form. */
  globalDir: string;
}

/**
 * The kinds and their rules. Global add-ons are processed before the UKI's own; global credentials, sysexts
 * and confexts form their own archives. Global extensions in \loader\extensions arrived in 258.
 */
export const COMPANION_RULES: Readonly<Record<CompanionKind, CompanionRule>> = {
  addons: { suffix: ".addon.efi", globalDir: "\\loader\\addons" },
  credentials: { suffix: ".cred", globalDir: "\\loader\\credentials" },
  // The stub takes every *.raw as a sysext "for compat", then drops the confexts again.
  sysext: { suffix: ".raw", excludeSuffix: ".confext.raw", globalDir: "\\loader\\extensions" },
  confext: { suffix: ".confext.raw", globalDir: "\\loader\\extensions" },
};

/**
 * Names of the entries the stub would use, sorted by byte order: regular files whose name does not
 * start with ".", is ASCII, at most 255 characters long, and has the rule's suffix.
 * @example selectCompanionFiles([{name: "b.cred", kind: "file"}, {name: "A.CRED", kind: "file"}], COMPANION_RULES.credentials)  // ["A.CRED", "b.cred"]
 */
export function selectCompanionFiles(entries: readonly ListedEntry[], rule: CompanionRule): string[] {
  const names: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    if (e.kind !== "file") continue;
    if (!endsWithNoCase(e.name, rule.suffix)) continue;
    if (rule.excludeSuffix !== undefined && endsWithNoCase(e.name, rule.excludeSuffix)) continue;
    if (!isAscii(e.name)) continue;
    // Linux's file name limit; the name becomes a path component in the initrd.
    if (e.name.length > 255) continue;
    names.push(e.name);
  }
  // Sorted so that the archive, and so the TPM measurement, does not depend on directory order.
  return names.sort(compareBytes);
}

/**
 * The UKI's drop-in directory: its path with the boot counter removed, plus ".extra.d".
 * Like the stub, only the FIRST "+" of the whole path is considered, and only when "+digits[-digits]" is
 * followed by "." or the end; otherwise the path is used unchanged.
 * @example ukiExtraDir("\\EFI\\Linux\\x+2-1.efi")  // "\\EFI\\Linux\\x.efi.extra.d"
 */
export function ukiExtraDir(loaderPath: string): string {
  return `${removeBootCounter(loaderPath)}.extra.d`;
}

function removeBootCounter(path: string): string {
  const plus = path.indexOf("+");
  if (plus < 0) return path;
  let i = skipNumber(path, plus + 1);
  if (i < 0) return path;
  if (path[i] === "-") {
    i = skipNumber(path, i + 1);
    if (i < 0) return path;
  }
  if (i !== path.length && path[i] !== ".") return path;
  return path.slice(0, plus) + path.slice(i);
}

/** Index after a run of ≥1 digits whose value fits in 64 bits (systemd's parse_number16), or -1. */
function skipNumber(s: string, i: number): number {
  const start = i;
  while (i < s.length && s[i]! >= "0" && s[i]! <= "9") i++;
  if (i === start) return -1;
  if (BigInt(s.slice(start, i)) > 0xffffffffffffffffn) return -1;
  return i;
}

function endsWithNoCase(name: string, suffix: string): boolean {
  return name.length >= suffix.length && name.slice(name.length - suffix.length).toLowerCase() === suffix.toLowerCase();
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}
