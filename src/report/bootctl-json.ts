/**
 * `ukiboot list --json`: one JSON array whose objects use the field names and order of systemd 257's
 * `bootctl list --json` where they overlap (docs/efi-variables.md §6), plus `uki` and `profile` from
 * newer releases, so that tools written for bootctl can read it.
 */
import { NOT_COUNTED, type BootEntry } from "../model/boot-entry.ts";
import { addonsOf, profileOf, ukiOf } from "../model/entry-rules.ts";
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
  machineId?: string;
  architecture?: string;
  options?: string;
  linux?: string;
  efi?: string;
  uki?: string;
  profile?: number;
  initrd?: string[];
  devicetree?: string;
  triesLeft?: number;
  triesDone?: number;
  isDefault?: boolean;
  isSelected?: boolean;
  addons: BootctlAddonJson[] | null;
  cmdline?: string;
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
 * bootctl names add-ons relative to where it found them: global ones relative to the partition root
 * ("loader/addons/x.addon.efi"), a UKI's own relative to the UKI's directory ("x.efi.extra.d/y.addon.efi").
 */
function addonPath(loaderPath: string, relativeTo: string): string {
  const rel = relativeTo !== "" && loaderPath.startsWith(`${relativeTo}\\`) ? loaderPath.slice(relativeTo.length + 1) : loaderPath.replace(/^\\+/, "");
  return slashPath(rel);
}

/**
 * The JSON objects for `entries` (sorted). `defaultIndex` is the entry pickDefaultEntry() chose;
 * `isDefault` appears on every entry when there is one, as in bootctl; `isSelected` likewise for
 * `selectedIndex`, the entry the running system was booted from (docs/efi-variables.md §8).
 * @example JSON.stringify(toBootctlJson(entries, { defaultIndex: 0 }), null, 2)
 */
export function toBootctlJson(entries: readonly BootEntry[], opts: { defaultIndex?: number; selectedIndex?: number } = {}): BootctlEntryJson[] {
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
    if (e.machineId !== undefined) ordered.machineId = e.machineId;
    if (files.architecture !== undefined) ordered.architecture = files.architecture;
    if (e.options !== "") ordered.options = e.options;
    if (e.kind === "type2") ordered.linux = slashPath(e.loaderPath);
    if (files.linux) ordered.linux = slashPath(files.linux.loaderPath);
    if (files.efi) ordered.efi = slashPath(files.efi.loaderPath);
    if (files.uki) ordered.uki = slashPath(files.uki.loaderPath);
    if (profile !== undefined) ordered.profile = profile;
    if (files.initrds.length > 0) ordered.initrd = files.initrds.map((f) => slashPath(f.loaderPath));
    if (files.devicetree) ordered.devicetree = slashPath(files.devicetree.loaderPath);
    if (e.triesLeft !== NOT_COUNTED) {
      ordered.triesLeft = e.triesLeft;
      ordered.triesDone = e.triesDone;
    }
    if (opts.defaultIndex !== undefined) ordered.isDefault = i === opts.defaultIndex;
    if (opts.selectedIndex !== undefined) ordered.isSelected = i === opts.selectedIndex;
    ordered.addons =
      addons.length === 0
        ? null
        : addons.map((a) => (a.scope === "global" ? { globalAddon: addonPath(a.loaderPath, ""), options: a.cmdline ?? "" } : { localAddon: addonPath(a.loaderPath, uki(e)), options: a.cmdline ?? "" }));
    const cmdline = listedCmdline(e);
    if (cmdline !== "") ordered.cmdline = cmdline;
    return ordered as unknown as BootctlEntryJson;
  });
}
