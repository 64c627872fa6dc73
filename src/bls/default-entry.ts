/**
 * Which entry the menu starts on and boots when the timeout runs out (docs/order-and-default.md §5,
 * systemd-boot 257 config_select_default_entry()), and what happens to LoaderEntryLastBooted after the
 * choice (save_selected_entry()).
 *
 * Precedence: LoaderEntryOneShot > LoaderEntryDefault (or LoaderEntryLastBooted when it is "@saved")
 * > loader.conf `default` (glob, or "@saved") > the first entry > entry 0.
 */
import type { BootEntry } from "../model/boot-entry.ts";
import { matchGlob } from "./glob.ts";

export interface DefaultInputs {
  /** LoaderEntryOneShot (the caller deletes it as soon as it is read). */
  oneShot?: string;
  /** LoaderEntryDefault: a glob, or "@saved". */
  defaultVar?: string;
  /** LoaderEntryLastBooted; used only when one of the two defaults is "@saved". */
  lastBooted?: string;
  /** loader.conf `default`: a glob, or "@saved". */
  loaderConfDefault?: string;
}

export type DefaultReason = "oneshot" | "efi-default" | "loader.conf" | "first" | "ukiboot.entry";

export interface DefaultChoice {
  /** Index into the sorted entries; undefined only when there are no entries. */
  index?: number;
  reason?: DefaultReason;
  /** The entry the EFI variable (LoaderEntryDefault) selects, marked ► in the menu. */
  efiDefaultIndex?: number;
}

const isSaved = (p: string | undefined) => p !== undefined && p.toLowerCase() === "@saved";

/** The first entry, in sorted order, whose id matches the pattern; both are lower-cased (docs/order-and-default.md §5). */
export function findEntryByPattern(entries: readonly Pick<BootEntry, "id">[], pattern: string | undefined): number | undefined {
  if (pattern === undefined || pattern === "") return undefined;
  const p = pattern.toLowerCase();
  const i = entries.findIndex((e) => matchGlob(p, e.id.toLowerCase()));
  return i < 0 ? undefined : i;
}

/**
 * Picks the default entry among `entries` (sorted, nothing appended) and says why it was picked.
 * Like systemd-boot 257, steps 1-3 may pick an entry with no tries left (upstream issue #31215).
 * @example pickDefaultEntry(entries, { loaderConfDefault: "fedora-*" }) // {index: 1, reason: "loader.conf", …}
 */
export function pickDefaultEntry(entries: readonly Pick<BootEntry, "id">[], inputs: DefaultInputs): DefaultChoice {
  if (entries.length === 0) return {};
  const savedVar = isSaved(inputs.defaultVar);
  const savedConf = isSaved(inputs.loaderConfDefault);
  const choice: DefaultChoice = {};

  const efiDefault = findEntryByPattern(entries, savedVar ? inputs.lastBooted : inputs.defaultVar);
  if (efiDefault !== undefined) choice.efiDefaultIndex = efiDefault;

  const oneShot = findEntryByPattern(entries, inputs.oneShot);
  if (oneShot !== undefined) return { ...choice, index: oneShot, reason: "oneshot" };
  if (efiDefault !== undefined) return { ...choice, index: efiDefault, reason: "efi-default" };
  // With "@saved" in both places the variable already had its chance with LoaderEntryLastBooted.
  const conf = savedConf ? (savedVar ? undefined : findEntryByPattern(entries, inputs.lastBooted)) : findEntryByPattern(entries, inputs.loaderConfDefault);
  if (conf !== undefined) return { ...choice, index: conf, reason: "loader.conf" };
  // Every entry ukiboot lists may be auto-selected; appended entries (reboot, …) come after these.
  return { ...choice, index: 0, reason: "first" };
}

export type LastBootedAction = { kind: "keep" } | { kind: "write"; id: string } | { kind: "delete" };

/**
 * What to do with LoaderEntryLastBooted after booting `bootedId` (save_selected_entry()): nothing for
 * a one-shot boot; write it when "@saved" is in use (and differs); otherwise delete it.
 */
export function lastBootedAction(bootedId: string, inputs: DefaultInputs): LastBootedAction {
  if (inputs.oneShot !== undefined && bootedId === inputs.oneShot) return { kind: "keep" };
  const savedVar = isSaved(inputs.defaultVar);
  const savedConf = isSaved(inputs.loaderConfDefault);
  if (savedVar || (inputs.defaultVar === undefined && savedConf)) {
    return inputs.lastBooted === bootedId ? { kind: "keep" } : { kind: "write", id: bootedId };
  }
  return inputs.lastBooted === undefined ? { kind: "keep" } : { kind: "delete" };
}
