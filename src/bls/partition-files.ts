/**
 * Finding files on the ESP and XBOOTLDR the way the EFI loader sees them (docs/entries.md §1, docs/entries.md §2,
 * docs/initrd.md §1): `\`-separated paths looked up case-insensitively, as on FAT, and the name filters of the
 * entry and companion-file scans.
 */
import type { DirEntry, FileStat, ReadOnlyFs } from "../ports/fs.ts";

export interface ResolvedFile {
  /** Host path with the on-disk spelling of each component. */
  path: string;
  stat: FileStat;
}

function trimRoot(root: string): string {
  return root.length > 1 ? root.replace(/\/+$/, "") : root;
}

/** Joins a host root and path components. */
export function hostPath(root: string, parts: readonly string[]): string {
  const r = trimRoot(root);
  return parts.length === 0 ? r : `${r === "/" ? "" : r}/${parts.join("/")}`;
}

/** Splits a loader path (`\EFI\Linux\x.efi` or `/EFI/Linux/x.efi`) into components; undefined for `..`. */
export function loaderPathParts(loaderPath: string): string[] | undefined {
  const parts = loaderPath.split(/[\\/]/).filter((p) => p !== "" && p !== ".");
  // A path from an entry file must not leave its partition through the host's directory tree.
  return parts.includes("..") ? undefined : parts;
}

/**
 * Finds `loaderPath` under `root`, component by component and ignoring case when the exact spelling
 * does not exist (a vfat mount already ignores case; other test trees do not).
 * Returns undefined when it does not exist or cannot be read.
 */
export async function resolveLoaderPath(fs: ReadOnlyFs, root: string, loaderPath: string): Promise<ResolvedFile | undefined> {
  const parts = loaderPathParts(loaderPath);
  if (!parts) return undefined;
  const exact = hostPath(root, parts);
  const st = await fs.stat(exact).catch(() => null);
  if (st) return { path: exact, stat: st };
  let cur = trimRoot(root);
  for (const part of parts) {
    const list = await fs.readDir(cur).catch(() => undefined);
    if (!list) return undefined;
    const lower = part.toLowerCase();
    const hit = list.find((e) => e.name === part) ?? list.find((e) => e.name.toLowerCase() === lower);
    if (!hit) return undefined;
    cur = hostPath(cur, [hit.name]);
  }
  const st2 = await fs.stat(cur).catch(() => null);
  return st2 ? { path: cur, stat: st2 } : undefined;
}

export interface ScannedName {
  name: string;
  kind: DirEntry["kind"];
}

export interface DirScan {
  /** Regular files that pass the filters, in byte order. */
  files: string[];
  /** Names with the suffix that are not regular files (a directory called x.efi); reported, not used. */
  notFiles: ScannedName[];
}

/** Byte order of the UTF-16 code units, which equals byte order of the names for ASCII names. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The entry files of a directory (docs/entries.md §2): names that do not start with `.` or `auto-` (case-insensitive),
 * end in `suffix` (case-insensitive) and are regular files.
 */
export function filterEntryNames(list: readonly DirEntry[], suffix: string): DirScan {
  const files: string[] = [];
  const notFiles: ScannedName[] = [];
  for (const e of list) {
    const lower = e.name.toLowerCase();
    if (e.name.startsWith(".") || lower.startsWith("auto-") || !lower.endsWith(suffix) || lower.length === suffix.length) continue;
    if (e.kind === "file") files.push(e.name);
    else notFiles.push({ name: e.name, kind: e.kind });
  }
  files.sort(byteOrder);
  notFiles.sort((a, b) => byteOrder(a.name, b.name));
  return { files, notFiles };
}

/**
 * The companion files of a directory (docs/initrd.md §1): names that do not start with `.`, are ASCII, at most 255
 * characters long, end in `suffix` (case-insensitive) and are regular files, in byte order.
 */
export function filterCompanionNames(list: readonly DirEntry[], suffix: string): DirScan {
  const files: string[] = [];
  const notFiles: ScannedName[] = [];
  for (const e of list) {
    if (e.name.startsWith(".") || e.name.length > 255 || !/^[\x00-\x7f]*$/.test(e.name)) continue;
    if (!e.name.toLowerCase().endsWith(suffix)) continue;
    if (e.kind === "file") files.push(e.name);
    else notFiles.push({ name: e.name, kind: e.kind });
  }
  files.sort(byteOrder);
  notFiles.sort((a, b) => byteOrder(a.name, b.name));
  return { files, notFiles };
}
