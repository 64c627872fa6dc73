/**
 * Automatic boot assessment through ukiboot (boot-behaviour.md §9.2, §16.4): before a counted entry boots,
 * its file is renamed to the next counter and LoaderBootCountPath names the new file, so systemd-bless-boot
 * in the booted system can mark it good or bad. When the first stage left a volatile LoaderBootCountPath,
 * it cannot be replaced after boot, and counting would leave the target never blessed: nothing is bumped.
 */
import { ATTRS_PERSISTENT, encodeUtf16 } from "../efi/efivar-codec.ts";
import { LoaderBootCountPath } from "../efi/loader-vars.ts";
import { formatError } from "../errors.ts";
import { NOT_COUNTED, type BootEntry } from "../model/boot-entry.ts";
import type { Sys } from "../ports/sys.ts";
import type { BootSession } from "./boot-flow.ts";

/** Kinds whose counters ukiboot bumps: linux, uki and Type #2, as newer systemd-boot does (§9.2.1). */
const COUNTED_KINDS: readonly BootEntry["kind"][] = ["type1-linux", "type1-uki", "type2"];

export function isCountedBoot(entry: BootEntry): boolean {
  return entry.triesLeft !== NOT_COUNTED && entry.nextFileName !== undefined && COUNTED_KINDS.includes(entry.kind);
}

/** At start of a real boot: an NV LoaderBootCountPath is ukiboot's own, from an earlier boot; remove it. */
export function removeStaleBootCountPath(sys: Sys, session: BootSession): void {
  const bcp = session.state.vars.bootCountPath;
  if (!bcp || bcp.volatile) return;
  try {
    sys.efivars.remove(LoaderBootCountPath);
  } catch (e) {
    sys.log.warn(`could not remove the stale LoaderBootCountPath: ${formatError(e)}`);
  }
}

/**
 * Bumps the counter of `entry` if it is counted: renames its file on the ESP and sets LoaderBootCountPath.
 * Returns the entry under its new name (a Type #2 UKI then boots under the new name), or unchanged when it
 * is not counted or the rename failed (which is logged; the boot continues).
 */
export function bumpBootCounter(sys: Sys, session: BootSession, entry: BootEntry): BootEntry {
  if (!isCountedBoot(entry)) return entry;
  if (session.state.vars.bootCountPath?.volatile) return entry;
  const next = entry.nextFileName!;
  try {
    sys.renameOnEsp(entry.path, next);
  } catch (e) {
    sys.log.warn(`not counting this boot: ${formatError(e)}`);
    return entry;
  }
  const newPath = `${entry.path.slice(0, entry.path.length - entry.fileName.length)}${next}`;
  const loaderPath = `${entry.dir}\\${next}`;
  sys.log.info(`boot counting: renamed ${entry.fileName} to ${next}`);
  if (sys.efivars.available) {
    try {
      sys.efivars.write(LoaderBootCountPath, { attributes: ATTRS_PERSISTENT, data: encodeUtf16(loaderPath) });
    } catch (e) {
      sys.log.warn(`could not set LoaderBootCountPath; systemd-bless-boot will not see this boot: ${formatError(e)}`);
    }
  } else {
    sys.log.warn("EFI variables are unavailable: systemd-bless-boot cannot learn which entry to bless");
  }
  const renamed: BootEntry = { ...entry, fileName: next, path: newPath, loaderPath };
  if (entry.image && entry.image.path === entry.path) renamed.image = { ...entry.image, path: newPath, loaderPath };
  return renamed;
}
