/**
 * Automatic boot assessment through ukiboot (docs/efi-variables.md §5): before a counted entry is tried,
 * its file is renamed to the next counter, so a try that fails has used one of its tries, as in
 * systemd-boot. LoaderBootCountPath names only the entry that is actually started, so systemd-bless-boot in
 * the target marks that one good or bad and never an entry that failed before it.
 */
import { ATTRS_PERSISTENT, encodeUtf16 } from "../efi/efivar-codec.ts";
import { LoaderBootCountPath } from "../efi/loader-vars.ts";
import { formatError } from "../errors.ts";
import { parseBootCounter } from "../bls/boot-counter-name.ts";
import { type BootEntry, withFileName } from "../model/boot-entry.ts";
import { isCounted } from "../model/entry-rules.ts";
import type { Sys } from "../ports/sys.ts";
import type { BootSession } from "./boot-session.ts";

/** At the start of a real boot: an NV LoaderBootCountPath is ukiboot's own, from an earlier boot; remove it. */
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
 * Uses one try of `entry` if it is counted: renames its file on the ESP to the next counter and puts the
 * renamed entry into the session in its place, so that a later try (the menu's retry) finds the file.
 * Returns the entry as it now is and whether this boot used one of its tries. A counter that is already at
 * its widest (`+0-99`) keeps its name and still counts as a try. When the rename fails, that is logged and
 * the boot goes on uncounted, with the file as it was.
 */
export function spendOneTry(sys: Sys, session: BootSession, entry: BootEntry): { entry: BootEntry; used: boolean } {
  if (!isCounted(entry) || entry.nextFileName === undefined) return { entry, used: false };
  if (session.state.vars.bootCountPath?.volatile) return { entry, used: false };
  const next = entry.nextFileName;
  if (next === entry.fileName) return { entry, used: true };
  try {
    sys.mounts.renameOnEsp(entry.path, next);
  } catch (e) {
    sys.log.warn(`not counting this boot of ${entry.id}: ${formatError(e)}`);
    return { entry, used: false };
  }
  sys.log.info(`boot counting: renamed ${entry.fileName} to ${next}`);
  const renamed = withFileName(entry, next, parseBootCounter(next, entry.fileName.slice(entry.fileName.lastIndexOf("."))));
  const entries = session.discovery.entries;
  const i = entries.indexOf(entry);
  if (i >= 0) entries[i] = renamed;
  return { entry: renamed, used: true };
}

/**
 * Just before `entry` starts: LoaderBootCountPath names its file when this boot used one of its tries, so
 * systemd-bless-boot can mark exactly it good or bad. An uncounted entry leaves the variable unset.
 */
export function announceCountedBoot(sys: Sys, entry: BootEntry, counted: boolean): void {
  if (!counted) return;
  if (!sys.efivars.available) {
    sys.log.warn("EFI variables are unavailable: systemd-bless-boot cannot learn which entry to bless");
    return;
  }
  try {
    sys.efivars.write(LoaderBootCountPath, { attributes: ATTRS_PERSISTENT, data: encodeUtf16(entry.loaderPath) });
  } catch (e) {
    sys.log.warn(`could not set LoaderBootCountPath; systemd-bless-boot will not see this boot: ${formatError(e)}`);
  }
}
