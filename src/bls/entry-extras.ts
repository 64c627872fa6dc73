/**
 * The `extra` files of a Type #1 `uki` entry as systemd-boot 262 loads them (docs/entries.md §6): each line's
 * file must exist on the entry's partition, be a regular, non-empty file no larger than 1536 MiB, with an
 * ASCII name of at most 255 characters. Anything else is skipped with a problem naming the entry file and line,
 * and the entry still boots with the rest, as systemd-boot does.
 */
import type { EntryExtra, EntrySource } from "../model/boot-entry.ts";
import type { Problem } from "../model/problem.ts";
import type { ReadOnlyFs } from "../ports/fs.ts";
import { resolveLoaderPath } from "./partition-files.ts";
import type { Type1Extra } from "./type1-entry.ts";

/** systemd-boot's EXTRA_SIZE_MAX: a safety net, not a format limit. */
export const EXTRA_SIZE_MAX = 1536 * 1024 * 1024;

/** The extras that load, in line order; the others are reported in `problems`. */
export async function resolveEntryExtras(
  fs: ReadOnlyFs,
  entry: { root: string; source: EntrySource; path: string },
  extras: readonly Type1Extra[],
  problems: Problem[],
): Promise<EntryExtra[]> {
  const out: EntryExtra[] = [];
  const where = entry.source === "esp" ? "the ESP" : "XBOOTLDR";
  for (const x of extras) {
    const skip = (why: string) =>
      problems.push({ file: entry.path, line: x.line, message: `Ignoring extra "${x.loaderPath}": ${why}; the entry boots without it`, severity: "warning" });
    const found = await resolveLoaderPath(fs, entry.root, x.loaderPath);
    if (!found) {
      skip(`it does not exist on ${where}`);
      continue;
    }
    if (found.stat.kind === "dir") {
      skip("it is a directory");
      continue;
    }
    if (found.stat.kind !== "file") {
      skip("it is not a regular file");
      continue;
    }
    if (found.stat.size === 0) {
      skip("it is empty");
      continue;
    }
    if (found.stat.size > EXTRA_SIZE_MAX) {
      skip(`it is ${found.stat.size} bytes, more than systemd-boot's limit of ${EXTRA_SIZE_MAX}`);
      continue;
    }
    const fileName = found.path.slice(found.path.lastIndexOf("/") + 1);
    if (!/^[\x01-\x7f]+$/.test(fileName)) {
      skip("its name is not ASCII");
      continue;
    }
    if (fileName.length > 255) {
      skip("its name is longer than 255 characters");
      continue;
    }
    out.push({ path: found.path, loaderPath: x.loaderPath, kind: x.kind, fileName, size: found.stat.size });
  }
  return out;
}
