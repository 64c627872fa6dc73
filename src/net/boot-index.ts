/**
 * The network boot index (docs/network.md §2): the JSON array `ukiboot list --json` prints for an ESP, served
 * from the ESP's root, so that `ukiboot list --json --esp DIR > DIR/index.json` and any static HTTP server
 * make a boot server. Paths in it are resolved against the index's directory; only entries that boot a UKI
 * are taken.
 */
import { FormatError } from "../errors.ts";

/** One bootable UKI the index names. */
export interface IndexEntry {
  id: string;
  title?: string;
  version?: string;
  sortKey?: string;
  /** The UKI profile, for Type #2 entries of a multi-profile UKI and `uki` entries with `profile`. */
  profile?: number;
  url: string;
  /** Add-ons, credentials and extensions to fetch with it, as `extras` lists them. */
  extras: string[];
}

export interface BootIndex {
  entries: IndexEntry[];
  /** One line per element that was left out, naming the index URL and the element's position. */
  problems: string[];
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * Parses the index fetched from `url`.
 * @throws FormatError when the text is not a JSON array
 */
export function parseBootIndex(text: string, opts: { url: string }): BootIndex {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new FormatError("boot-index", opts.url, `Cannot read the boot index "${opts.url}": it is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!Array.isArray(data))
    throw new FormatError("boot-index", opts.url, `Cannot read the boot index "${opts.url}": it is not a JSON array of entries, as ukiboot list --json prints`);
  const base = new URL(".", opts.url);
  const entries: IndexEntry[] = [];
  const problems: string[] = [];
  data.forEach((item: unknown, i) => {
    const at = `${opts.url} [${i}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) return void problems.push(`${at}: Ignoring it: an entry must be a JSON object`);
    const o = item as Record<string, unknown>;
    const id = str(o.id);
    if (!id) return void problems.push(`${at}: Ignoring it: it has no "id"`);
    // Type #2 entries name their UKI in `linux`; Type #1 `uki` entries in `uki`; a Type #1 `linux` has initrds.
    const path = o.type === "type1" ? str(o.uki) : str(o.linux);
    if (!path) {
      const why =
        o.type === "type1" && str(o.linux)
          ? "it boots a kernel with separate initrds, and only UKIs are booted over the network"
          : 'it names no UKI (no "linux" for type2, no "uki" for type1)';
      return void problems.push(`${at}: Ignoring "${id}": ${why}`);
    }
    const resolve = (p: string): string | undefined => (p.split("/").includes("..") ? undefined : new URL(p.replace(/^\/+/, ""), base).href);
    const url = resolve(path);
    if (!url) return void problems.push(`${at}: Ignoring "${id}": the path "${path}" leaves the served tree (it has a ".." component)`);
    // A UKI's own companion files are named relative to its directory, global ones from the root.
    const ukiDir = new URL(".", url);
    const extras: string[] = [];
    for (const x of Array.isArray(o.extras) ? o.extras : []) {
      if (typeof x !== "string" || x === "") {
        problems.push(`${at}: Ignoring the extra ${JSON.stringify(x)} of "${id}": it is not a path`);
        continue;
      }
      if (x.split("/").includes("..")) {
        problems.push(`${at}: Ignoring the extra "${x}" of "${id}": it leaves the served tree`);
        continue;
      }
      extras.push(x.startsWith("/") ? new URL(x.slice(1), base).href : new URL(x, ukiDir).href);
    }
    const title = str(o.showTitle) ?? str(o.title);
    entries.push({
      id,
      ...(title ? { title } : {}),
      ...(str(o.version) ? { version: str(o.version)! } : {}),
      ...(str(o.sortKey) ? { sortKey: str(o.sortKey)! } : {}),
      ...(typeof o.profile === "number" && Number.isInteger(o.profile) && o.profile >= 0 ? { profile: o.profile } : {}),
      url,
      extras,
    });
  });
  return { entries, problems };
}
