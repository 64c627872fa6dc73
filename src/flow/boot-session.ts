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
import type { TrustState } from "../model/entry-rules.ts";
import { formatProblem } from "../model/problem.ts";
import type { Sys } from "../ports/sys.ts";
import { loadTrustContext, type TrustContext, type TrustOptions } from "./trust-context.ts";
import { readSecureBoot } from "./secure-boot.ts";
import { readLoaderVars, resolveLoaderState, type LoaderState } from "./loader-state.ts";
import { systemFailure } from "../efi/sysfail.ts";
import type { IpSetup } from "../net/ip-option.ts";
import { DEFAULT_LOADER_CONFIG } from "../model/loader-config.ts";
import { uniqueTitles } from "../bls/titles.ts";
import { networkEntriesOf } from "./network-entries.ts";

export interface Partitions {
  esp: string;
  xbootldr?: string;
}

export interface BootSession {
  /** null for a diskless network boot (ukiboot.url= and no ESP). */
  partitions: Partitions | null;
  /** The entries in menu order; an entry renamed by boot counting is replaced here under its new name. */
  discovery: Discovery;
  state: LoaderState;
  trust: TrustContext;
  /** How the network is brought up when a network entry is booted (docs/network.md §4). */
  network: IpSetup | "system";
}

export interface SessionOptions extends TrustOptions {
  /** ukiboot.entry=: boot this entry (id or glob) instead of the default, once. */
  entryOverride?: string;
  /** ukiboot.timeout=: the menu timeout, over loader.conf and LoaderConfigTimeout. */
  timeoutOverride?: string;
  /** ip= or ukiboot.net= for a boot; "system" on a running system, whose network is up already (the default). */
  network?: IpSetup | "system";
  /** ukiboot.url=: the UKI or boot index to list before the local entries (docs/network.md §2). */
  bootUrl?: string;
}

/**
 * Discovers entries (ukiboot.url='s first, then the partitions'), reads the variables and the trust anchors;
 * logs problems and unhonoured settings. Changes nothing; only ukiboot.url= touches the network.
 */
export async function openSession(sys: Sys, partitions: Partitions | null, opts: SessionOptions = {}): Promise<BootSession> {
  const vars = readLoaderVars(sys.efivars);
  const network = opts.network ?? "system";
  // A relative uki-url names a file next to where the boot loader came from (docs/network.md §1).
  const urlOrigin = vars.deviceUrl ?? opts.bootUrl;
  const local = partitions
    ? await discoverEntries(sys.fs, { ...partitions, ...(urlOrigin !== undefined ? { urlOrigin } : {}) })
    : { entries: [], config: { ...DEFAULT_LOADER_CONFIG, other: {} }, problems: [] };
  const remote = opts.bootUrl !== undefined ? await networkEntriesOf(sys, opts.bootUrl, network) : { entries: [], problems: [] };
  const entries: BootEntry[] = [...remote.entries, ...local.entries];
  const titles = uniqueTitles(entries);
  entries.forEach((e, i) => (e.showTitle = titles[i]!));
  const discovery: Discovery = { ...local, entries, problems: [...remote.problems, ...local.problems] };
  for (const p of discovery.problems) sys.log.warn(formatProblem(p));
  const state = resolveLoaderState(discovery, vars, { ...opts, systemFailure: systemFailure(sys.kernel.esrt()) });
  for (const n of state.notes) sys.log.warn(n);
  const trust = await loadTrustContext(sys, readSecureBoot(sys), opts);
  for (const p of trust.problems) sys.log.warn(p);
  return { partitions, discovery, state, trust, network };
}

/**
 * Secure Boot (as decided for this boot, on when taken to be on), lockdown and the verification mode of this boot: what
 * the command-line rule and the crash initrd rule weigh (docs/trust.md §5).
 */
export function trustStateOf(session: BootSession): TrustState {
  const { lockdown } = session.trust;
  return { mode: session.trust.policy.mode, secureBoot: session.trust.secureBoot.secureBoot, ...(lockdown !== undefined ? { lockdown } : {}) };
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
