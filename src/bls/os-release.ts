/**
 * The `.osrel` section of a UKI: os-release(5) read with systemd-boot's line grammar (docs/entries.md §3, `=` as the
 * separator, no shell unquoting) and the name/version/sort-key choice of bootspec-fundamental.c (docs/entries.md §5).
 */
import { lastValues, parseKeyValueText, type SkippedLine } from "./key-value.ts";

export interface OsRelease {
  /** Last value of each key. */
  fields: Map<string, string>;
  skipped: SkippedLine[];
}

/**
 * Parses os-release text.
 * @example parseOsRelease('ID=fedora\nPRETTY_NAME="Fedora Linux 40"\n').fields.get("PRETTY_NAME") // "Fedora Linux 40"
 */
export function parseOsRelease(text: string): OsRelease {
  const { lines, skipped } = parseKeyValueText(text, "=");
  const fields = new Map<string, string>();
  for (const [k, l] of lastValues(lines)) fields.set(k, l.value);
  return { fields, skipped };
}

export interface OsReleaseNames {
  name?: string;
  version?: string;
  sortKey?: string;
}

/**
 * Precise before vague, human-readable before machine-readable:
 * name = PRETTY_NAME ?? IMAGE_ID ?? NAME ?? ID, version = IMAGE_VERSION ?? VERSION ?? VERSION_ID ?? BUILD_ID,
 * sortKey = IMAGE_ID ?? ID. An empty value counts as set, as it does in systemd-boot.
 */
export function pickOsReleaseNames(fields: ReadonlyMap<string, string>): OsReleaseNames {
  const first = (...keys: string[]) => {
    for (const k of keys) {
      const v = fields.get(k);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const out: OsReleaseNames = {};
  const name = first("PRETTY_NAME", "IMAGE_ID", "NAME", "ID");
  const version = first("IMAGE_VERSION", "VERSION", "VERSION_ID", "BUILD_ID");
  const sortKey = first("IMAGE_ID", "ID");
  if (name !== undefined) out.name = name;
  if (version !== undefined) out.version = version;
  if (sortKey !== undefined) out.sortKey = sortKey;
  return out;
}
