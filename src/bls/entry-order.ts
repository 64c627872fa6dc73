/**
 * The menu order of boot entries: systemd-boot's boot_entry_compare(), the one place this rule lives
 * (docs/order-and-default.md §2, UAPI Boot Loader Specification "Sorting").
 */
import { isBadEntry, NOT_COUNTED } from "../model/boot-entry.ts";
import { compareVersions } from "./version-compare.ts";

/** The fields the order reads; every kind of entry has them (profiles only where the kind has one). */
export interface OrderFields {
  id: string;
  idWithoutProfile?: string;
  sortKey?: string;
  machineId?: string;
  version?: string;
  profile?: number;
  triesLeft: number;
  triesDone: number;
}

/** Code-unit order with undefined before any string, as systemd's strcmp_ptr() does. */
function compareText(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return a < b ? -1 : 1;
}

/**
 * Negative when `a` comes first. Entries with no tries left sort last, as sd-boot does (its 257 man
 * page says first; the code and the UAPI text say last); then entries with a sort-key, ordered by
 * sort-key, machine-id, version (newest first) and profile (262); then ids, newest first; profiles ascending; finally
 * more tries left first and fewer tries done first.
 */
export function compareBootEntries(a: OrderFields, b: OrderFields): number {
  const badA = isBadEntry(a);
  const badB = isBadEntry(b);
  if (badA !== badB) return badA ? 1 : -1;
  const hasA = a.sortKey !== undefined;
  const hasB = b.sortKey !== undefined;
  if (hasA !== hasB) return hasA ? -1 : 1;
  if (hasA && hasB) {
    // The profile comes after the version since 262, so that `bootctl link`'s per-profile entries of one UKI
    // (same sort-key and version, ids "…@1", "…@2") list in profile order.
    const r =
      compareText(a.sortKey, b.sortKey) ||
      compareText(a.machineId, b.machineId) ||
      -compareVersions(a.version, b.version) ||
      (a.profile ?? 0) - (b.profile ?? 0);
    if (r !== 0) return r;
  }
  const r = -compareVersions(a.idWithoutProfile ?? a.id, b.idWithoutProfile ?? b.id);
  if (r !== 0) return r;
  // @0 has no idWithoutProfile, so it ties with its own @k here; the stable sort keeps it first.
  if (a.idWithoutProfile !== undefined && b.idWithoutProfile !== undefined) {
    const p = (a.profile ?? 0) - (b.profile ?? 0);
    if (p !== 0) return p;
  }
  if (a.triesLeft === NOT_COUNTED || b.triesLeft === NOT_COUNTED) return 0;
  return b.triesLeft - a.triesLeft || a.triesDone - b.triesDone;
}

/** A sorted copy; the sort is stable, so discovery order (docs/entries.md §2) breaks the remaining ties. */
export function sortBootEntries<T extends OrderFields>(entries: readonly T[]): T[] {
  return [...entries].sort(compareBootEntries);
}
