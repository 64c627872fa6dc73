/**
 * A boot session: the entries discovered on the ESP and XBOOTLDR, what the Boot Loader Interface variables
 * say about them, and the trust anchors. Opening one reads and changes nothing; the variable writes that
 * belong to a real boot (one-shots consumed, the last booted entry saved) are separate steps.
 */
import { discoverEntries, type Discovery } from "../bls/discover-entries.ts";
import { lastBootedAction } from "../bls/default-entry.ts";
import { encodeUtf16, ATTRS_PERSISTENT } from "../efi/efivar-codec.ts";
import { LoaderConfigTimeoutOneShot, LoaderEntryLastBooted, LoaderEntryOneShot } from "../efi/loader-vars.ts";
import { formatError } from "../errors.ts";
import type { BootEntry } from "../model/boot-entry.ts";
import { formatProblem } from "../model/problem.ts";
import type { Sys } from "../ports/sys.ts";
import { loadTrustContext, type TrustContext, type TrustOptions } from "./trust-context.ts";
import { readLoaderVars, resolveLoaderState, type LoaderState } from "./loader-state.ts";
import { systemFailure } from "../efi/sysfail.ts";

export interface Partitions {
  esp: string;
  xbootldr?: string;
}

export interface BootSession {
  partitions: Partitions;
  /** The entries in menu order; an entry renamed by boot counting is replaced here under its new name. */
  discovery: Discovery;
  state: LoaderState;
  trust: TrustContext;
}

export interface SessionOptions extends TrustOptions {
  /** ukiboot.entry=: boot this entry (id or glob) instead of the default, once. */
  entryOverride?: string;
  /** ukiboot.timeout=: the menu timeout, over loader.conf and LoaderConfigTimeout. */
  timeoutOverride?: string;
}

/** Discovers entries, reads the variables and the trust anchors; logs problems and unhonoured settings. Changes nothing. */
export async function openSession(sys: Sys, partitions: Partitions, opts: SessionOptions = {}): Promise<BootSession> {
  const discovery = await discoverEntries(sys.fs, partitions);
  for (const p of discovery.problems) sys.log.warn(formatProblem(p));
  const state = resolveLoaderState(discovery, readLoaderVars(sys.efivars), { ...opts, systemFailure: systemFailure(sys.kernel.esrt()) });
  for (const n of state.notes) sys.log.warn(n);
  const trust = await loadTrustContext(sys, state.vars.secureBoot, opts);
  for (const p of trust.problems) sys.log.warn(p);
  return { partitions, discovery, state, trust };
}

/** The entry the default rules chose, if any. */
export function defaultEntry(session: BootSession): BootEntry | undefined {
  const i = session.state.choice.index;
  return i === undefined ? undefined : session.discovery.entries[i];
}

/**
 * At the start of a real boot: deletes the one-shot variables that were read (systemd-boot deletes them as
 * soon as it reads them, so a failed boot does not repeat the one-shot forever; docs/efi-variables.md §3).
 */
export function consumeOneShots(sys: Sys, session: BootSession): void {
  for (const [present, id] of [
    [session.state.vars.oneShot !== undefined, LoaderEntryOneShot],
    [session.state.vars.timeoutOneShot !== undefined, LoaderConfigTimeoutOneShot],
  ] as const) {
    if (!present) continue;
    try {
      sys.efivars.remove(id);
    } catch (e) {
      sys.log.warn(`could not delete ${id.name}: ${formatError(e)}`);
    }
  }
}

/** Writes or deletes LoaderEntryLastBooted for the entry that starts, only when the value changes (docs/order-and-default.md §5). */
export function saveLastBooted(sys: Sys, session: BootSession, entry: BootEntry): void {
  const action = lastBootedAction(entry.id, session.state.inputs);
  try {
    if (action.kind === "write") sys.efivars.write(LoaderEntryLastBooted, { attributes: ATTRS_PERSISTENT, data: encodeUtf16(action.id) });
    if (action.kind === "delete") sys.efivars.remove(LoaderEntryLastBooted);
  } catch (e) {
    sys.log.warn(`could not update LoaderEntryLastBooted: ${formatError(e)}`);
  }
}
