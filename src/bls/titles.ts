/**
 * Title uniquification over the complete entry list (docs/entries.md §7), as systemd-boot's
 * generate_boot_entry_titles() does it: version, then the first 8 characters of the machine-id, then
 * the id are appended to titles that are still duplicated.
 */
import type { BootEntry } from "../model/boot-entry.ts";

type TitleFields = Pick<BootEntry, "id" | "title" | "version" | "machineId">;

/** For each entry, whether no other entry shows the same title (exact, case-sensitive). */
function uniqueFlags(titles: readonly string[]): boolean[] {
  const count = new Map<string, number>();
  for (const t of titles) count.set(t, (count.get(t) ?? 0) + 1);
  return titles.map((t) => count.get(t) === 1);
}

/**
 * The titles to show, in the order of `entries`.
 * @example uniqueTitles([{id: "a.conf", title: "Fedora", version: "6.9"}, {id: "b.conf", title: "Fedora", version: "6.10"}]) // ["Fedora (6.9)", "Fedora (6.10)"]
 */
export function uniqueTitles(entries: readonly TitleFields[]): string[] {
  const shown = entries.map((e) => e.title ?? e.id);
  const steps: ((e: TitleFields) => string | undefined)[] = [
    (e) => e.version,
    (e) => (e.machineId === undefined ? undefined : e.machineId.slice(0, 8)),
    (e) => e.id,
  ];
  for (const extra of steps) {
    const unique = uniqueFlags(shown);
    if (unique.every(Boolean)) break;
    entries.forEach((e, i) => {
      if (unique[i]) return;
      const x = extra(e);
      if (x !== undefined) shown[i] = `${shown[i]} (${x})`;
    });
  }
  return shown;
}
