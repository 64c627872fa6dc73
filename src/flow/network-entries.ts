/**
 * The entries `ukiboot.url=` names (docs/network.md §2): one UKI, or a boot index (a URL ending in `.json`,
 * the JSON of `ukiboot list --json`). They are listed before the local entries. When the index cannot be
 * fetched or read, that is one problem naming the URL, and the local entries remain (docs/network.md §6).
 */
import { formatError } from "../errors.ts";
import { NOT_COUNTED, type NetworkEntry } from "../model/boot-entry.ts";
import type { Problem } from "../model/problem.ts";
import { parseBootIndex } from "../net/boot-index.ts";
import { networkEntryId } from "../net/network-entry-id.ts";
import type { IpSetup } from "../net/ip-option.ts";
import { resolveUkiUrl } from "../net/uki-url.ts";
import type { Sys } from "../ports/sys.ts";
import { downloadWithRetries, networkUp } from "./fetch-entry.ts";

/** An index is a list of entries, a few KiB; anything far larger is not one. */
const INDEX_MAX_BYTES = 4 * 1024 * 1024;

/** Whether ukiboot.url= names a boot index rather than a UKI. */
export function namesIndex(url: string): boolean {
  return new URL(url).pathname.toLowerCase().endsWith(".json");
}

function lastComponent(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split("/").filter(Boolean).at(-1) ?? "network");
}

function networkEntry(
  url: string,
  foundIn: NetworkEntry["foundIn"],
  fields: { id: string; title?: string; version?: string; sortKey?: string; profile?: number; extras?: string[] },
): NetworkEntry {
  return {
    kind: "uki-url",
    foundIn,
    ukiUrl: url,
    url,
    // Never the id a local entry has: settings meant for it must not pick a server's entry (network-entry-id.ts).
    id: networkEntryId(fields.id),
    ...(fields.title !== undefined ? { title: fields.title } : {}),
    showTitle: fields.title ?? fields.id,
    ...(fields.version !== undefined ? { version: fields.version } : {}),
    ...(fields.sortKey !== undefined ? { sortKey: fields.sortKey } : {}),
    ...(fields.profile !== undefined ? { profile: fields.profile } : {}),
    ...(fields.extras?.length ? { extras: fields.extras } : {}),
    source: "network",
    root: "",
    dir: "",
    fileName: lastComponent(url),
    path: url,
    loaderPath: url,
    options: "",
    triesLeft: NOT_COUNTED,
    triesDone: NOT_COUNTED,
  };
}

/** The entries of ukiboot.url=, and the problems met; never throws. */
export async function networkEntriesOf(sys: Sys, value: string, setup: IpSetup | "system"): Promise<{ entries: NetworkEntry[]; problems: Problem[] }> {
  const problem = (message: string): { entries: NetworkEntry[]; problems: Problem[] } => ({
    entries: [],
    problems: [{ file: "ukiboot.url", message, severity: "error" }],
  });
  const resolved = resolveUkiUrl(value, {});
  if ("error" in resolved) return problem(`Ignoring ukiboot.url=${value}: ${resolved.error}`);
  const url = resolved.url;
  if (!namesIndex(url)) return { entries: [networkEntry(url, "kernel-option", { id: lastComponent(url).toLowerCase() })], problems: [] };
  try {
    await networkUp(sys, setup);
    const file = await downloadWithRetries(sys, url);
    let text: string;
    try {
      if (file.bytes > INDEX_MAX_BYTES)
        return problem(`Cannot use the boot index "${url}": it is ${file.bytes} bytes, more than ${INDEX_MAX_BYTES}; the local entries remain`);
      text = new TextDecoder().decode(await sys.fs.readFile(file.path));
    } finally {
      file.close();
    }
    const index = parseBootIndex(text, { url });
    const problems: Problem[] = index.problems.map((message) => ({ file: url, message, severity: "warning" }));
    if (index.entries.length === 0) problems.push({ file: url, message: `The boot index "${url}" names no UKI; the local entries remain`, severity: "error" });
    return { entries: index.entries.map((e) => networkEntry(e.url, "index", e)), problems };
  } catch (e) {
    return problem(`${formatError(e)}; the local entries remain`);
  }
}
