/**
 * `ukiboot list --json`: one JSON array whose objects use the field names and order of systemd 262's
 * `bootctl list --json` (docs/efi-variables.md §6), so that tools written for bootctl can read it.
 */
import { parseBootCounter } from "../bls/boot-counter-name.ts";
import { NOT_COUNTED, type BootEntry } from "../model/boot-entry.ts";
import { addonsOf, companionsOf, profileOf, ukiOf, unameOf } from "../model/entry-rules.ts";
import { namedFiles } from "./entry-files.ts";
import { listedCmdline } from "./listed-cmdline.ts";

export interface BootctlAddonJson {
  globalAddon?: string;
  localAddon?: string;
  options: string;
}

/** One entry, fields in bootctl's order; absent fields are left out, as bootctl does. */
export interface BootctlEntryJson {
  type: "type1" | "type2";
  source: "esp" | "xbootldr";
  id: string;
  path: string;
  root: string;
  title?: string;
  showTitle: string;
  sortKey?: string;
  version?: string;
  /** [262] the UKI's `.uname`; bootctl reads it for Type #2 entries only. */
  uname?: string;
  machineId?: string;
  architecture?: string;
  options?: string;
  linux?: string;
  efi?: string;
  uki?: string;
  profile?: number;
  initrd?: string[];
  devicetree?: string;
  /** [262] whether the boot loader listed the entry in LoaderEntries. */
  isReported: boolean;
  triesLeft?: number;
  triesDone?: number;
  isDefault?: boolean;
  isSelected?: boolean;
  addons: BootctlAddonJson[] | null;
  cmdline?: string;
  /** [262] every add-on, credential and extension file the entry gets, global ones first; absent when none. */
  extras?: string[];
}

/** `\EFI\Linux\x.efi` → `/EFI/Linux/x.efi`, as bootctl prints loader paths. */
function slashPath(loaderPath: string): string {
  return loaderPath.replaceAll("\\", "/");
}

/** The directory of the UKI an entry boots, in loader form. */
function uki(e: BootEntry): string {
  const p = ukiOf(e)?.loaderPath ?? e.loaderPath;
  return p.slice(0, p.lastIndexOf("\\"));
}

/**
 * bootctl 262 names add-ons and other companion files by where it found them: global ones from the partition
 * root ("/loader/addons/x.addon.efi"), a UKI's own relative to the UKI's directory ("x.efi.extra.d/y.addon.efi").
 */
function companionPath(loaderPath: string, scope: "global" | "local", ukiDir: string): string {
  if (scope === "global") return slashPath(loaderPath);
  return slashPath(loaderPath.startsWith(`${ukiDir}\\`) ? loaderPath.slice(ukiDir.length + 1) : loaderPath);
}

/**
 * The `extras` list: global add-ons, extensions and credentials, then the UKI's own add-ons and companion
 * files, then a `uki` entry's `extra` lines (docs/efi-variables.md §6).
 */
function extrasOf(e: BootEntry): string[] {
  const addons = addonsOf(e);
  const companions = companionsOf(e);
  const dir = uki(e);
  const globalOf = (kind: string) => companions.filter((c) => c.scope === "global" && c.kind === kind).map((c) => c.loaderPath);
  // bootctl's order of the global directories: add-ons, confexts, sysexts, credentials.
  const global = [
    ...addons.filter((a) => a.scope === "global").map((a) => a.loaderPath),
    ...globalOf("confext"),
    ...globalOf("sysext"),
    ...globalOf("credentials"),
  ].map((p) => companionPath(p, "global", dir));
  const local = [
    ...addons.filter((a) => a.scope === "local").map((a) => a.loaderPath),
    ...companions.filter((c) => c.scope === "local").map((c) => c.loaderPath),
  ].map((p) => companionPath(p, "local", dir));
  const lines = e.kind === "type1-uki" ? e.extras.map((x) => slashPath(x.loaderPath)) : [];
  return [...global, ...local, ...lines];
}

/**
 * The JSON objects for `entries` (sorted). `defaultIndex` is the entry pickDefaultEntry() chose;
 * `isDefault` appears on every entry when there is one, as in bootctl; `isSelected` likewise for
 * `selectedIndex`, the entry the running system was booted from (docs/efi-variables.md §8); `reported` holds
 * the ids in LoaderEntries.
 * @example JSON.stringify(toBootctlJson(entries, { defaultIndex: 0 }), null, 2)
 */
export function toBootctlJson(
  entries: readonly BootEntry[],
  opts: { defaultIndex?: number; selectedIndex?: number; reported?: readonly string[] } = {},
): BootctlEntryJson[] {
  const reported = new Set((opts.reported ?? []).map((id) => id.toLowerCase()));
  return entries.map((e, i) => {
    // Built in bootctl's field order; JSON.stringify keeps insertion order.
    const files = namedFiles(e);
    const addons = addonsOf(e);
    const profile = profileOf(e);
    const ordered: Record<string, unknown> = { type: e.kind === "type2" ? "type2" : "type1", source: e.source, id: e.id, path: e.path, root: e.root };
    if (e.title !== undefined) ordered.title = e.title;
    ordered.showTitle = e.showTitle;
    if (e.sortKey !== undefined) ordered.sortKey = e.sortKey;
    if (e.version !== undefined) ordered.version = e.version;
    const uname = unameOf(e);
    if (uname !== undefined && e.kind === "type2") ordered.uname = uname;
    if (e.machineId !== undefined) ordered.machineId = e.machineId;
    if (files.architecture !== undefined) ordered.architecture = files.architecture;
    if (e.options !== "") ordered.options = e.options;
    if (e.kind === "type2") ordered.linux = slashPath(e.loaderPath);
    if (files.linux) ordered.linux = slashPath(files.linux.loaderPath);
    if (files.efi) ordered.efi = slashPath(files.efi.loaderPath);
    if (files.uki) ordered.uki = slashPath(files.uki.loaderPath);
    if (files.ukiUrl !== undefined) ordered.ukiUrl = files.ukiUrl;
    if (profile !== undefined) ordered.profile = profile;
    if (files.initrds.length > 0) ordered.initrd = files.initrds.map((f) => slashPath(f.loaderPath));
    if (files.devicetree) ordered.devicetree = slashPath(files.devicetree.loaderPath);
    ordered.isReported = reported.has(e.id);
    if (e.triesLeft !== NOT_COUNTED) {
      ordered.triesLeft = e.triesLeft;
      // bootctl 262 lists triesDone only when the name spells it out ("+3" has none, "+3-0" has).
      if (parseBootCounter(e.fileName, e.fileName.slice(e.fileName.lastIndexOf("."))).doneWritten) ordered.triesDone = e.triesDone;
    }
    if (opts.defaultIndex !== undefined) ordered.isDefault = i === opts.defaultIndex;
    if (opts.selectedIndex !== undefined) ordered.isSelected = i === opts.selectedIndex;
    ordered.addons =
      addons.length === 0
        ? null
        : addons.map((a) => ({
            [a.scope === "global" ? "globalAddon" : "localAddon"]: companionPath(a.loaderPath, a.scope, uki(e)),
            options: a.cmdline ?? "",
          }));
    const cmdline = listedCmdline(e);
    if (cmdline !== "") ordered.cmdline = cmdline;
    const extras = extrasOf(e);
    if (extras.length > 0) ordered.extras = extras;
    return ordered as unknown as BootctlEntryJson;
  });
}
