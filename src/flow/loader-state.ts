/**
 * What the Boot Loader Interface variables say for this boot (docs/order-and-default.md, docs/efi-variables.md): read once,
 * combined with the discovered entries into the default entry, the menu timeout, and sentences about every
 * variable ukiboot could not honour. Consuming one-shot variables is a separate step, done only when booting.
 */
import { decodeU64, decodeUtf16, decodeUtf16List, type EfiVariable, isNonVolatile } from "../efi/efivar-codec.ts";
import {
  LoaderBootCountPath,
  LoaderConfigTimeout,
  LoaderConfigTimeoutOneShot,
  LoaderDevicePartUUID,
  LoaderDeviceURL,
  LoaderEntries,
  LoaderEntryDefault,
  LoaderEntryLastBooted,
  LoaderEntryOneShot,
  LoaderEntryPreferred,
  LoaderEntrySelected,
  LoaderEntrySysFail,
  LoaderSysFailReason,
  SecureBoot,
  StubDevicePartUUID,
  type VariableId,
} from "../efi/loader-vars.ts";
import { resolveTimeout, type ResolvedTimeout } from "../efi/timeout.ts";
import { findEntryByPattern, pickDefaultEntry, type DefaultChoice, type DefaultInputs } from "../bls/default-entry.ts";
import type { Discovery } from "../bls/discover-entries.ts";
import type { EfiVars } from "../ports/sys.ts";

/** The variables as read at start, decoded; undefined when absent. */
export interface LoaderVars {
  available: boolean;
  location: string;
  oneShot?: string;
  defaultVar?: string;
  preferredVar?: string;
  sysFail?: string;
  /** LoaderSysFailReason as the first stage left it. */
  sysFailReason?: string;
  lastBooted?: string;
  /** LoaderEntries: the ids the boot loader reported (bootctl's isReported). */
  reported?: string[];
  timeout?: string;
  timeoutOneShot?: string;
  secureBoot?: boolean;
  loaderDevicePartUuid?: string;
  /** LoaderDeviceURL: the URL the first stage came from over HTTP. */
  deviceUrl?: string;
  /** The first stage's selected entry: describes the boot of ukiboot itself, not the next one. */
  firstStageSelected?: string;
  bootCountPath?: { value: string; volatile: boolean };
  /** Variables present but unreadable or malformed, with why. */
  unreadable: string[];
}

function str(v: EfiVariable | null): string | undefined {
  return v ? decodeUtf16(v.data) : undefined;
}

/** LoaderConfigTimeout is a UTF-16 decimal string or word (systemd), or a u64 LE number (other tools). */
function timeoutText(v: EfiVariable | null): string | undefined {
  if (!v) return undefined;
  const text = decodeUtf16(v.data);
  if (/^([0-9]+|menu-force|menu-hidden|menu-disabled)$/.test(text)) return text;
  const n = decodeU64(v.data);
  return n === undefined ? text : String(n);
}

export function readLoaderVars(efivars: EfiVars): LoaderVars {
  const vars: LoaderVars = { available: efivars.available, location: efivars.location, unreadable: [] };
  if (!efivars.available) return vars;
  const read = (id: VariableId): EfiVariable | null => {
    try {
      return efivars.read(id);
    } catch (e) {
      vars.unreadable.push(`${id.name}: ${(e as Error).message}`);
      return null;
    }
  };
  const set = <K extends keyof LoaderVars>(k: K, v: LoaderVars[K] | undefined) => {
    if (v !== undefined && v !== "") vars[k] = v;
  };
  set("oneShot", str(read(LoaderEntryOneShot)));
  set("defaultVar", str(read(LoaderEntryDefault)));
  set("preferredVar", str(read(LoaderEntryPreferred)));
  set("sysFail", str(read(LoaderEntrySysFail)));
  set("sysFailReason", str(read(LoaderSysFailReason)));
  const entries = read(LoaderEntries);
  if (entries) vars.reported = decodeUtf16List(entries.data);
  set("lastBooted", str(read(LoaderEntryLastBooted)));
  set("timeout", timeoutText(read(LoaderConfigTimeout)));
  set("timeoutOneShot", timeoutText(read(LoaderConfigTimeoutOneShot)));
  // The partition the first stage was loaded from: systemd-boot's variable, or the stub's (docs/entries.md §1).
  set("loaderDevicePartUuid", (str(read(LoaderDevicePartUUID)) || str(read(StubDevicePartUUID)))?.toLowerCase());
  set("firstStageSelected", str(read(LoaderEntrySelected)));
  set("deviceUrl", str(read(LoaderDeviceURL)));
  const sb = read(SecureBoot);
  if (sb) vars.secureBoot = (sb.data[0] ?? 0) !== 0;
  const bcp = read(LoaderBootCountPath);
  if (bcp) vars.bootCountPath = { value: decodeUtf16(bcp.data), volatile: !isNonVolatile(bcp) };
  return vars;
}

export interface LoaderState {
  vars: LoaderVars;
  inputs: DefaultInputs;
  choice: DefaultChoice;
  timeout: ResolvedTimeout;
  /** One sentence per variable (or option) that was present but not honoured, and why. */
  notes: string[];
}

/**
 * The default entry and timeout for `discovery` under `vars`, plus ukiboot.entry= / ukiboot.timeout= from
 * the boot kernel's command line (a one-time override that wins over the variables, as a one-shot would).
 */
export function resolveLoaderState(
  discovery: Discovery,
  vars: LoaderVars,
  opts: { entryOverride?: string; timeoutOverride?: string; systemFailure?: string | null } = {},
): LoaderState {
  const notes: string[] = [...vars.unreadable.map((u) => `Ignoring an EFI variable that cannot be read: ${u}`)];
  // A failure systemd-boot saw before ukiboot ran, or one the ESRT shows now (docs/order-and-default.md §7).
  const failure = vars.sysFailReason ?? opts.systemFailure ?? undefined;
  const inputs: DefaultInputs = {
    ...(failure !== undefined ? { sysFailed: true } : {}),
    ...(vars.sysFail !== undefined ? { sysFail: vars.sysFail } : {}),
    ...(vars.oneShot !== undefined ? { oneShot: vars.oneShot } : {}),
    ...(vars.preferredVar !== undefined ? { preferredVar: vars.preferredVar } : {}),
    ...(discovery.config.preferred !== undefined ? { loaderConfPreferred: discovery.config.preferred } : {}),
    ...(vars.defaultVar !== undefined ? { defaultVar: vars.defaultVar } : {}),
    ...(vars.lastBooted !== undefined ? { lastBooted: vars.lastBooted } : {}),
    ...(discovery.config.default !== undefined ? { loaderConfDefault: discovery.config.default } : {}),
  };
  const entries = discovery.entries;
  let choice = pickDefaultEntry(entries, inputs);
  if (opts.entryOverride !== undefined) {
    const i = findEntryByPattern(entries, opts.entryOverride);
    if (i === undefined) notes.push(`Ignoring ukiboot.entry=${opts.entryOverride}: it matches no entry`);
    else choice = { ...choice, index: i, reason: "ukiboot.entry" };
  }
  if (vars.oneShot !== undefined && findEntryByPattern(entries, vars.oneShot) === undefined) {
    notes.push(`Ignoring LoaderEntryOneShot="${vars.oneShot}": it matches no entry`);
  }
  if (vars.defaultVar !== undefined && vars.defaultVar.toLowerCase() !== "@saved" && findEntryByPattern(entries, vars.defaultVar) === undefined) {
    notes.push(`Ignoring LoaderEntryDefault="${vars.defaultVar}": it matches no entry`);
  }
  for (const [name, pattern] of [
    ["LoaderEntryPreferred", vars.preferredVar],
    ["loader.conf preferred", discovery.config.preferred],
  ] as const) {
    if (pattern === undefined || pattern.toLowerCase() === "@saved") continue;
    if (findEntryByPattern(entries, pattern) === undefined) notes.push(`Ignoring ${name}="${pattern}": it matches no entry`);
    else if (findEntryByPattern(entries, pattern, { skipBad: true }) === undefined)
      notes.push(`Ignoring ${name}="${pattern}": every entry it matches has no tries left`);
  }
  if (failure !== undefined) {
    if (choice.reason === "sysfail") notes.push(`The firmware reports a system failure (${failure}): booting LoaderEntrySysFail="${vars.sysFail}"`);
    else
      notes.push(
        `The firmware reports a system failure (${failure}), but ${vars.sysFail === undefined ? "LoaderEntrySysFail is not set" : `LoaderEntrySysFail="${vars.sysFail}" matches no entry`}: the usual default applies`,
      );
  }
  const timeout = resolveTimeout({
    ...(discovery.config.timeout !== undefined ? { loaderConf: discovery.config.timeout } : {}),
    ...(vars.timeout !== undefined ? { efiVar: vars.timeout } : {}),
    ...(opts.timeoutOverride !== undefined ? { kernelOption: opts.timeoutOverride } : {}),
    ...(vars.timeoutOneShot !== undefined ? { oneShotVar: vars.timeoutOneShot } : {}),
  });
  for (const i of timeout.ignored) notes.push(`Ignoring the invalid timeout ${i}`);
  if (vars.bootCountPath?.volatile) {
    notes.push(
      `Not counting boots: the first stage set LoaderBootCountPath="${vars.bootCountPath.value}" as a volatile variable, which cannot be replaced after boot; bumping a counter would leave the target never blessed`,
    );
  }
  return { vars, inputs, choice, timeout, notes };
}
