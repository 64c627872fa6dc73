/**
 * What the chooser is shown, and what its decision changes: boot entries become menu entries, the stored
 * settings become the menu's configuration, a failure becomes the error screen, and the variable writes
 * the menu asked for are made once, on leaving it (docs/menu.md).
 */
import { encodeUtf16, ATTRS_PERSISTENT, decodeU64 } from "../efi/efivar-codec.ts";
import { LoaderConfigTimeout, LoaderEntryDefault, OsIndicationsSupported } from "../efi/loader-vars.ts";
import { parseTimeout } from "../efi/timeout.ts";
import { BootError, formatError } from "../errors.ts";
import { describeMember } from "../initrd/initrd-layout.ts";
import { addonsOf, hotkeyOf, mayOfferRescueShell, profileOf, ukiOf } from "../model/entry-rules.ts";
import { editability } from "../model/command-line-rule.ts";
import { buildPlan } from "../plan/build-plan.ts";
import type { MenuConfig, MenuDecision, MenuEntry, MenuError, MenuProblem, StoredTimeout } from "../ports/menu.ts";
import type { Sys } from "../ports/sys.ts";
import type { SignatureReport } from "../trust/verify-authenticode.ts";
import { builtWithRescueShell } from "../build-flags.ts";
import { VERSION } from "../version.ts";
import { type BootSession, trustStateOf } from "./boot-session.ts";
import { refusalOf } from "./judge-entry.ts";

/**
 * What the error screen shows for a failure: the message, and for a BootError (and SysCallError) its hint.
 * Stacks and cause chains belong in the log, never on the console.
 */
export function menuErrorFrom(err: unknown): MenuError {
  if (err instanceof BootError) return err.hint ? { message: err.message, hint: err.hint } : { message: err.message };
  if (err instanceof Error) return { message: err.message };
  return { message: String(err) };
}

interface EntryExtras {
  initrdMembers: { source: string; size: number }[];
  cmdline?: string;
  /** Under enforce: the signature verdict's marker when the UKI would be refused; it stays in the menu. */
  tags: string[];
  problems: string[];
}

/**
 * Per entry, the initrd members for the details view and, when signatures are enforced, whether the UKI
 * verifies (an entry that does not stays listed, marked, and refuses to boot with the reason).
 */
async function entryExtras(sys: Sys, session: BootSession): Promise<Map<string, EntryExtras>> {
  const out = new Map<string, EntryExtras>();
  // One verification per file: the profiles of one UKI share it.
  const reports = new Map<string, SignatureReport>();
  for (const e of session.discovery.entries) {
    const extras: EntryExtras = { initrdMembers: [], tags: [], problems: [] };
    if (e.kind === "uki-url") {
      // Nothing of it is known before it is fetched, and the menu must not wait for the network.
      extras.tags.push("network");
      out.set(e.id, extras);
      continue;
    }
    const plan = await buildPlan(sys.fs, e, { trust: trustStateOf(session) }).catch((err: Error) => {
      extras.problems.push(err.message);
      return null;
    });
    if (plan) {
      extras.initrdMembers = plan.initrd.members.map((m) => ({ source: describeMember(m.member), size: m.size }));
      extras.cmdline = plan.cmdline;
    }
    const refused = await refusalOf(sys, session.trust, e, reports);
    if (refused !== undefined) {
      extras.tags.push("refused");
      extras.problems.push(`Refuses to boot: ${refused}`);
    }
    out.set(e.id, extras);
  }
  return out;
}

function toMenuEntries(session: BootSession, extras: Map<string, EntryExtras> = new Map()): MenuEntry[] {
  const { entries } = session.discovery;
  const { choice } = session.state;
  return entries.map((e, i) => {
    const x = extras.get(e.id);
    const image = ukiOf(e);
    const profile = profileOf(e);
    const hotkey = hotkeyOf(e);
    return {
      id: e.id,
      title: e.showTitle,
      ...(e.version !== undefined ? { version: e.version } : {}),
      kind: e.kind,
      isDefault: i === choice.efiDefaultIndex,
      isOneShot: (choice.reason === "oneshot" || choice.reason === "ukiboot.entry") && i === choice.index,
      triesLeft: e.triesLeft,
      triesDone: e.triesDone,
      ...(profile !== undefined ? { profile } : {}),
      editable: editability(e, trustStateOf(session)),
      // The editor edits what systemd-boot's does: the entry's own options (.cmdline for a UKI), not the add-ons.
      cmdline: e.options,
      ...(hotkey !== undefined ? { hotkey } : {}),
      tags: x?.tags ?? [],
      details: {
        file: e.loaderPath,
        ...(e.kind === "uki-url" ? { url: e.url, ...(e.size !== undefined ? { size: e.size } : {}) } : {}),
        ...(x?.cmdline !== undefined ? { composedCmdline: x.cmdline } : {}),
        ...(image ? { sections: Object.values(image.sections).map((s) => ({ name: s.name, size: s.virtualSize })) } : {}),
        addons: addonsOf(e).map((a) => ({ path: a.loaderPath, ...(a.cmdline !== undefined ? { cmdline: a.cmdline } : {}) })),
        initrdMembers: x?.initrdMembers ?? [],
        problems: x?.problems ?? [],
      },
    };
  });
}

function storedTimeout(text: string | undefined): StoredTimeout | undefined {
  if (text === undefined) return undefined;
  const t = parseTimeout(text);
  if (t === undefined || t === "menu-disabled") return undefined;
  return t === 0 ? "menu-hidden" : t;
}

/**
 * `shell`: whether the menu's shell item (and `Q`) is offered. As PID 1 it is the rescue shell, which the
 * trust policy decides (docs/trust.md §6); `ukiboot menu` on a running system uses it to leave the menu.
 */
function toMenuConfig(sys: Sys, session: BootSession, hiddenKeyWindowMs: number, shell: "rescue" | "leave" = "rescue"): MenuConfig {
  const { choice, timeout, vars } = session.state;
  const supported = sys.efivars.available ? sys.efivars.read(OsIndicationsSupported) : null;
  const bits = supported ? decodeU64(supported.data) : undefined;
  const defaultId = choice.index !== undefined ? session.discovery.entries[choice.index]?.id : undefined;
  const stored = storedTimeout(vars.timeout);
  return {
    timeout: timeout.timeout,
    forceMenu: timeout.forceMenu,
    ...(stored !== undefined ? { timeoutEfiVar: stored } : {}),
    ...(defaultId !== undefined ? { defaultEntryId: defaultId } : {}),
    editor: session.discovery.config.editor,
    firmwareSetupSupported: bits !== undefined && (bits & 1n) === 1n && session.discovery.config.autoFirmware,
    hiddenKeyWindowMs,
    version: VERSION,
    actions: { shell: shell === "leave" || mayOfferRescueShell(session.trust.policy.mode, builtWithRescueShell()) },
  };
}

/**
 * The menu as the chooser gets it: the entries, their details when it draws them (worked out once), the
 * configuration and the discovery problems.
 */
export async function menuView(
  sys: Sys,
  session: BootSession,
  hiddenKeyWindowMs: number,
  shell: "rescue" | "leave" = "rescue",
): Promise<{ entries: MenuEntry[]; details: () => Promise<MenuEntry[]>; config: MenuConfig; problems: MenuProblem[] }> {
  let detailed: Promise<MenuEntry[]> | undefined;
  return {
    entries: toMenuEntries(session),
    details: () => {
      detailed ??= entryExtras(sys, session).then((extras) => toMenuEntries(session, extras));
      return detailed;
    },
    config: toMenuConfig(sys, session, hiddenKeyWindowMs, shell),
    problems: session.discovery.problems.map((p) => ({ file: p.file, ...(p.line !== undefined ? { line: p.line } : {}), message: p.message })),
  };
}

/** The variable writes the menu asked for, made once on leaving it, and only when the value changes (NVRAM wears). */
export function applyVariableChanges(sys: Sys, session: BootSession, d: MenuDecision): void {
  const { setDefault, setTimeout } = d.variables;
  if (setDefault === undefined && setTimeout === undefined) return;
  if (!sys.efivars.available) {
    sys.log.warn("not saving the default entry or timeout: EFI variables are unavailable on this machine");
    return;
  }
  try {
    if (setDefault === null) sys.efivars.remove(LoaderEntryDefault);
    else if (setDefault !== undefined && setDefault !== session.state.vars.defaultVar) {
      sys.efivars.write(LoaderEntryDefault, { attributes: ATTRS_PERSISTENT, data: encodeUtf16(setDefault) });
    }
    if (setTimeout === null) sys.efivars.remove(LoaderConfigTimeout);
    else if (setTimeout !== undefined) {
      const text = setTimeout === "menu-hidden" ? "menu-hidden" : String(setTimeout);
      if (text !== session.state.vars.timeout) sys.efivars.write(LoaderConfigTimeout, { attributes: ATTRS_PERSISTENT, data: encodeUtf16(text) });
    }
  } catch (e) {
    sys.log.warn(formatError(e));
  }
}
