/**
 * Type #1 boot entries, `\loader\entries\*.conf` (docs/entries.md §6): the keys systemd-boot reads,
 * with the newer `uki`, `profile` (259) and `extra` (261) keys that ukiboot adopts. Bad lines are reported and ignored; an
 * entry that cannot boot is dropped with one problem.
 */
import type { EfiArch } from "../pe/efi-arch.ts";
import type { ExtraKind } from "../model/boot-entry.ts";
import type { Problem } from "../model/problem.ts";
import { parseKeyValueText, parseUnsigned, type KeyValueLine } from "./key-value.ts";

/** The key that says how the entry boots. */
export type Type1Loader = "linux" | "efi" | "uki" | "uki-url";

/** One `extra` line of a `uki` entry. */
export interface Type1Extra {
  line: number;
  /** `\` form, relative to the partition root. */
  loaderPath: string;
  kind: ExtraKind;
}

/** The kind of an `extra` file by its suffix, compared without case as systemd-boot does; undefined for others. */
export function extraKindOf(path: string): ExtraKind | undefined {
  const p = path.toLowerCase();
  if (p.endsWith(".cred")) return "credential";
  if (p.endsWith(".sysext.raw")) return "sysext";
  if (p.endsWith(".confext.raw")) return "confext";
  return undefined;
}

/** Whether a path as written in an entry has a `..` component, which would leave the partition. */
function leavesPartition(value: string): boolean {
  return value.split(/[\\/]/).includes("..");
}

export interface Type1Fields {
  title?: string;
  version?: string;
  machineId?: string;
  sortKey?: string;
  loader: Type1Loader;
  /** The loader's path in `\` form, relative to the entry's partition root, with a leading `\`; "" for `uki-url`. */
  loaderPath: string;
  /** `uki-url`'s value as written (an absolute URL or `:name`), resolved by the boot flow (docs/network.md §1). */
  url?: string;
  /** `initrd` lines in order, `\` form; they apply to `linux` only. */
  initrds: string[];
  /** `options` lines joined with one space. */
  options: string;
  devicetree?: string;
  architecture?: string;
  /** `profile` for `uki` entries, and the line it is on. */
  profile?: number;
  profileLine?: number;
  /** `extra` lines of a `uki` entry, in order; bad ones are left out with a problem. */
  extras: Type1Extra[];
}

export interface ParsedType1Entry {
  /** undefined when the entry is dropped; the problems then say why. */
  entry?: Type1Fields;
  problems: Problem[];
}

/** Keys whose last occurrence wins; a repeat is reported. */
const SINGLE_KEYS = new Set(["title", "version", "machine-id", "sort-key", "devicetree", "architecture", "profile"]);

/**
 * Converts a path as written in an entry to the loader's form: `/` becomes `\`, doubled `\` collapse,
 * and the path is relative to the partition root (a leading `\`).
 * @example toLoaderPath("/vmlinuz-linux") // "\\vmlinuz-linux"
 */
export function toLoaderPath(value: string): string {
  const p = value.replaceAll("/", "\\").replace(/\\{2,}/g, "\\");
  return p.startsWith("\\") ? p : `\\${p}`;
}

/**
 * Parses one entry file. `source` names it in problems; `arch` is the native EFI architecture that an
 * `architecture` line must name.
 * @example parseType1Entry("title Arch\nlinux /vmlinuz-linux\n", { source: "arch.conf", arch: "x64" }).entry?.loaderPath // "\\vmlinuz-linux"
 */
export function parseType1Entry(text: string, opts: { source: string; arch: EfiArch }): ParsedType1Entry {
  const problems: Problem[] = [];
  const warn = (line: number, message: string) => problems.push({ file: opts.source, line, message, severity: "warning" });
  const drop = (message: string, line?: number): ParsedType1Entry => {
    problems.push({ file: opts.source, ...(line === undefined ? {} : { line }), message, severity: "error" });
    return { problems };
  };
  const { lines, skipped } = parseKeyValueText(text, " \t");
  for (const s of skipped) warn(s.line, `Ignoring "${s.text}": ${s.reason}`);

  const single = new Map<string, KeyValueLine>();
  const loaders: KeyValueLine[] = [];
  const initrds: string[] = [];
  const options: string[] = [];
  const extraLines: KeyValueLine[] = [];
  for (const l of lines) {
    if (SINGLE_KEYS.has(l.key)) {
      const earlier = single.get(l.key);
      if (earlier) warn(earlier.line, `Ignoring "${earlier.key} ${earlier.value}": "${l.key}" is set again on line ${l.line}`);
      single.set(l.key, l);
    } else if (l.key === "linux" || l.key === "efi" || l.key === "uki" || l.key === "uki-url") loaders.push(l);
    else if (l.key === "initrd") initrds.push(toLoaderPath(l.value));
    else if (l.key === "options") options.push(l.value);
    else if (l.key === "extra") extraLines.push(l);
    // Other keys (devicetree-overlay, grub_* written by kernel-install on Fedora) are ignored by
    // systemd-boot without a message, and so by us.
  }

  if (loaders.length === 0) return drop("Cannot use entry: it has no linux, efi, uki or uki-url line");
  if (loaders.length > 1) {
    // 257 lets the last one win; newer systemd-boot drops such an entry, and so do we (docs/entries.md §6).
    return drop(
      `Cannot use entry: it has ${loaders.length} loader lines (${loaders.map((l) => `${l.key} on line ${l.line}`).join(", ")}), only one is allowed`,
      loaders[1]!.line,
    );
  }
  const loader = loaders[0]!;
  const isUrl = loader.key === "uki-url";
  if (!isUrl && leavesPartition(loader.value))
    return drop(`Cannot use entry: the ${loader.key} path "${loader.value}" leaves the partition (it has a ".." component)`, loader.line);
  const arch = single.get("architecture");
  if (arch && arch.value.toLowerCase() !== opts.arch) {
    return drop(`Cannot use entry: its architecture "${arch.value}" is not the native "${opts.arch}"`, arch.line);
  }
  const entry: Type1Fields = {
    loader: loader.key as Type1Loader,
    loaderPath: isUrl ? "" : toLoaderPath(loader.value),
    ...(isUrl ? { url: loader.value } : {}),
    initrds: loader.key === "linux" ? initrds : [],
    options: options.join(" "),
    extras: [],
  };
  for (const l of extraLines) {
    const ignore = (why: string) => warn(l.line, `Ignoring "extra ${l.value}": ${why}`);
    const kind = extraKindOf(l.value);
    // systemd-boot loads extras only for `uki` entries; bootctl also ignores add-ons named there.
    if (loader.key !== "uki") ignore('extras apply only to "uki" entries');
    else if (leavesPartition(l.value)) ignore('the path leaves the partition (it has a ".." component)');
    else if (!kind) ignore("only .cred, .sysext.raw and .confext.raw files can be extras");
    else entry.extras.push({ line: l.line, loaderPath: toLoaderPath(l.value), kind });
  }
  if (initrds.length > 0 && loader.key !== "linux") {
    warn(loader.line, `Ignoring the initrd lines: they apply only to "linux" entries, not to "${loader.key}"`);
  }
  const set = (key: string, field: "title" | "version" | "machineId" | "sortKey" | "devicetree" | "architecture") => {
    const l = single.get(key);
    if (l) entry[field] = l.value;
  };
  set("title", "title");
  set("version", "version");
  set("machine-id", "machineId");
  set("sort-key", "sortKey");
  set("architecture", "architecture");
  const dt = single.get("devicetree");
  if (dt) entry.devicetree = toLoaderPath(dt.value);
  const profile = single.get("profile");
  if (profile) {
    const n = parseUnsigned(profile.value);
    if (n === undefined || n > 0xffff_ffffn) warn(profile.line, `Ignoring "profile ${profile.value}": the value is not a number up to 4294967295`);
    else if (loader.key !== "uki" && !isUrl) warn(profile.line, `Ignoring "profile ${profile.value}": it applies only to "uki" and "uki-url" entries`);
    else {
      entry.profile = Number(n);
      entry.profileLine = profile.line;
    }
  }
  return { entry, problems };
}
