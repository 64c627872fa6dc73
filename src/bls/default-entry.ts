/**
 * Which entry the menu starts on and boots when the timeout runs out (docs/order-and-default.md §5,
 * systemd-boot 262 config_select_default_entry()), and what happens to LoaderEntryLastBooted after the
 * choice (save_selected_entry()).
 *
 * Precedence: LoaderEntrySysFail (only after a system failure) > LoaderEntryOneShot > LoaderEntryPreferred >
 * loader.conf `preferred` > LoaderEntryDefault > loader.conf `default` > the first entry that is not a
 * profile > 0 > entry 0. Both preferred settings skip entries that boot counting marked bad; nothing
 * else does. "@saved" in any of them stands for LoaderEntryLastBooted.
 */
import { isBadEntry, type BootEntry } from "../model/boot-entry.ts";
import { matchGlob } from "./glob.ts";

export interface DefaultInputs {
  /** LoaderEntrySysFail [258], used only when `sysFailed`. */
  sysFail?: string;
  /** Whether the firmware reports a system failure (a failed firmware update), docs/order-and-default.md §5. */
  sysFailed?: boolean;
  /** LoaderEntryOneShot (the caller deletes it as soon as it is read). */
  oneShot?: string;
  /** LoaderEntryPreferred [260]: a glob, or "@saved"; never picks an entry with no tries left. */
  preferredVar?: string;
  /** loader.conf `preferred` [260], likewise. */
  loaderConfPreferred?: string;
  /** LoaderEntryDefault: a glob, or "@saved". */
  defaultVar?: string;
  /** LoaderEntryLastBooted; used only when one of the two defaults is "@saved". */
  lastBooted?: string;
  /** loader.conf `default`: a glob, or "@saved". */
  loaderConfDefault?: string;
}

export type DefaultReason = "sysfail" | "oneshot" | "efi-preferred" | "loader.conf-preferred" | "efi-default" | "loader.conf" | "first" | "ukiboot.entry";

export interface DefaultChoice {
  /** Index into the sorted entries; undefined only when there are no entries. */
  index?: number;
  reason?: DefaultReason;
  /** The entry the EFI variable (LoaderEntryPreferred, else LoaderEntryDefault) selects, marked ► in the menu. */
  efiDefaultIndex?: number;
}

const isSaved = (p: string | undefined) => p !== undefined && p.toLowerCase() === "@saved";

/**
 * The first entry, in sorted order, whose id matches the pattern; both are lower-cased (docs/order-and-default.md §5).
 * With `skipBad`, entries whose boot counter reached zero do not match (the preferred settings).
 */
export function findEntryByPattern(
  entries: readonly Pick<BootEntry, "id" | "triesLeft">[],
  pattern: string | undefined,
  opts: { skipBad?: boolean } = {},
): number | undefined {
  if (pattern === undefined || pattern === "") return undefined;
  const p = pattern.toLowerCase();
  const i = entries.findIndex((e) => matchGlob(p, e.id.toLowerCase()) && !(opts.skipBad && isBadEntry(e)));
  return i < 0 ? undefined : i;
}

type Pickable = Pick<BootEntry, "id" | "triesLeft"> & { profile?: number };

/**
 * Picks the default entry among `entries` (sorted, nothing appended) and says why it was picked.
 * Only the preferred settings skip entries with no tries left: the one-shot and the defaults may pick one,
 * as systemd-boot does (upstream issue #31215).
 * @example pickDefaultEntry(entries, { loaderConfDefault: "fedora-*" }) // {index: 1, reason: "loader.conf", …}
 */
export function pickDefaultEntry(entries: readonly Pickable[], inputs: DefaultInputs): DefaultChoice {
  if (entries.length === 0) return {};
  const savedVar = isSaved(inputs.defaultVar);
  const savedConf = isSaved(inputs.loaderConfDefault);
  const savedPreferredVar = isSaved(inputs.preferredVar);
  const savedPreferredConf = isSaved(inputs.loaderConfPreferred);
  const find = (pattern: string | undefined, skipBad = false) => findEntryByPattern(entries, pattern, { skipBad });
  const choice: DefaultChoice = {};

  const preferredVar = find(savedPreferredVar ? inputs.lastBooted : inputs.preferredVar, true);
  const efiDefault = preferredVar ?? find(savedVar ? inputs.lastBooted : inputs.defaultVar);
  if (efiDefault !== undefined) choice.efiDefaultIndex = efiDefault;
  const pick = (index: number | undefined, reason: DefaultReason): DefaultChoice | undefined =>
    index === undefined ? undefined : { ...choice, index, reason };

  return (
    (inputs.sysFailed ? pick(find(inputs.sysFail), "sysfail") : undefined) ??
    pick(find(inputs.oneShot), "oneshot") ??
    pick(preferredVar, "efi-preferred") ??
    // With "@saved" in both places the variable already had its chance with LoaderEntryLastBooted.
    pick(
      savedPreferredConf ? (savedPreferredVar ? undefined : find(inputs.lastBooted, true)) : find(inputs.loaderConfPreferred, true),
      "loader.conf-preferred",
    ) ??
    pick(find(savedVar ? inputs.lastBooted : inputs.defaultVar), "efi-default") ??
    pick(savedConf ? (savedVar ? undefined : find(inputs.lastBooted)) : find(inputs.loaderConfDefault), "loader.conf") ??
    // systemd-boot never picks a profile > 0 by itself; appended entries (reboot, …) come after these.
    pick(
      Math.max(
        0,
        entries.findIndex((e) => (e.profile ?? 0) === 0),
      ),
      "first",
    )!
  );
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
