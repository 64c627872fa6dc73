/**
 * The interactive path shared by `ukiboot menu` and `ukiboot init`: boot entries become menu entries, the
 * menu returns a decision, and this file acts on it (variable writes once, load with a progress view, the
 * error screen when loading fails, shell/reboot/power off). The menu itself never loads or kexecs.
 */
import { encodeU64, encodeUtf16, ATTRS_PERSISTENT, decodeU64 } from "../efi/efivar-codec.ts";
import { LoaderConfigTimeout, LoaderEntryDefault, OsIndications, OsIndicationsSupported } from "../efi/loader-vars.ts";
import { parseTimeout } from "../efi/timeout.ts";
import { formatError } from "../errors.ts";
import { type BootSession, bootOrder, execLoaded, loadEntry, planAndCheck, saveLastBooted } from "../flow/boot-flow.ts";
import { bumpBootCounter } from "../flow/boot-counting.ts";
import { verifyPeFile } from "../flow/trust-context.ts";
import { decideUki } from "../trust/verify-policy.ts";
import type { BootEntry } from "../model/boot-entry.ts";
import { formatPlanText, planToJson } from "../plan/format-plan.ts";
import { buildPlan } from "../plan/build-plan.ts";
import { describeMember } from "../initrd/initrd-layout.ts";
import type { Sys } from "../ports/sys.ts";
import type { MenuConfig, MenuDecision, MenuEntry, MenuError, StoredTimeout } from "../ports/menu.ts";
import { menuErrorFrom } from "../../ui/menu-error.ts";
import type { MenuIo } from "../../ui/run-menu.tsx";

import { VERSION } from "../version.ts";

/** Kinds whose command line the editor may change (boot-behaviour.md §13.2; newer code adds type1-uki). */
const EDITABLE_KINDS: readonly BootEntry["kind"][] = ["type1-linux", "type1-efi", "type2", "type1-uki"];

/** Whether `e` may edit this entry, or the sentence systemd-boot shows when it may not (§13.2). */
export function editability(entry: BootEntry, secureBoot: boolean): MenuEntry["editable"] {
  if (!EDITABLE_KINDS.includes(entry.kind)) return { reason: "Entry does not support editing the command line." };
  const isUki = entry.kind !== "type1-linux" && entry.kind !== "type1-efi";
  // The stub would drop the edit anyway: under Secure Boot an embedded .cmdline wins (§10.2).
  if (isUki && secureBoot && (entry.image?.sections[".cmdline"] !== undefined || entry.options !== "")) {
    return { reason: "Entry not editable in SecureBoot mode." };
  }
  return true;
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
  const verdicts = new Map<string, ReturnType<typeof decideUki>>();
  for (const e of session.discovery.entries) {
    const extras: EntryExtras = { initrdMembers: [], tags: [], problems: [] };
    const plan = await buildPlan(sys.fs, e, { secureBoot: session.state.vars.secureBoot === true }).catch((err: Error) => {
      extras.problems.push(err.message);
      return null;
    });
    if (plan) {
      extras.initrdMembers = plan.initrd.members.map((m) => ({ source: describeMember(m.member), size: m.size }));
      extras.cmdline = plan.cmdline;
    }
    if (session.trust.policy.mode === "enforce" && e.image) {
      // One verification per UKI file, shared by its profiles.
      let d = verdicts.get(e.image.path);
      if (!d) {
        const report = await verifyPeFile(sys.fs, e.image.path, session.trust.store).catch(() => undefined);
        d = decideUki(report?.verdict ?? { status: "bad", reason: "it cannot be read" }, "enforce");
        verdicts.set(e.image.path, d);
      }
      if (!d.bootable) {
        extras.tags.push("refused");
        extras.problems.push(`Refuses to boot: ${d.reason}`);
      }
    }
    out.set(e.id, extras);
  }
  return out;
}

export function toMenuEntries(session: BootSession, extras: Map<string, EntryExtras> = new Map()): MenuEntry[] {
  const { entries } = session.discovery;
  const { choice, vars } = session.state;
  return entries.map((e, i) => ({
    id: e.id,
    title: e.showTitle,
    ...(e.version !== undefined ? { version: e.version } : {}),
    kind: e.kind,
    isDefault: i === choice.efiDefaultIndex,
    isOneShot: (choice.reason === "oneshot" || choice.reason === "ukiboot.entry") && i === choice.index,
    triesLeft: e.triesLeft,
    triesDone: e.triesDone,
    ...(e.profile !== undefined ? { profile: e.profile } : {}),
    editable: editability(e, vars.secureBoot === true),
    // The editor edits what systemd-boot's does: the entry's own options (.cmdline for a UKI), not the add-ons.
    cmdline: e.options,
    ...(e.hotkey !== undefined ? { hotkey: e.hotkey } : {}),
    tags: extras.get(e.id)?.tags ?? [],
    details: {
      file: e.loaderPath,
      ...(extras.get(e.id)?.cmdline !== undefined ? { composedCmdline: extras.get(e.id)!.cmdline! } : {}),
      ...(e.image ? { sections: Object.values(e.image.sections).map((s) => ({ name: s.name, size: s.virtualSize })) } : {}),
      addons: e.addons.map((a) => ({ path: a.loaderPath, ...(a.cmdline !== undefined ? { cmdline: a.cmdline } : {}) })),
      initrdMembers: extras.get(e.id)?.initrdMembers ?? [],
      problems: extras.get(e.id)?.problems ?? [],
    },
  }));
}

function storedTimeout(text: string | undefined): StoredTimeout | undefined {
  if (text === undefined) return undefined;
  const t = parseTimeout(text);
  if (t === undefined || t === "menu-disabled") return undefined;
  return t === 0 ? "menu-hidden" : t;
}

export function toMenuConfig(sys: Sys, session: BootSession, opts: { hiddenKeyWindowMs?: number } = {}): MenuConfig {
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
    hiddenKeyWindowMs: opts.hiddenKeyWindowMs ?? 100,
    version: VERSION,
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

export type MenuOutcome = { kind: "dry-run"; entryId: string } | { kind: "shell" } | { kind: "reboot" } | { kind: "poweroff" } | { kind: "firmware-setup" };

export interface MenuRunOptions {
  io: MenuIo;
  dryRun: boolean;
  json?: boolean;
  out: { write(s: string): unknown };
  /** Show this error first (for example: unattended booting failed for every entry). */
  error?: MenuError;
  hiddenKeyWindowMs?: number;
}

/**
 * Shows the menu until a boot succeeds (it then does not return: the new kernel runs) or the person picks
 * something else. A failed load shows the error screen and returns to the list.
 */
export async function runMenuFlow(sys: Sys, session: BootSession, opts: MenuRunOptions): Promise<MenuOutcome> {
  // Ink and React load only when a menu is shown: list, plan and load start faster without them.
  const { runMenu } = await import("../../ui/run-menu.tsx");
  const { showProgress } = await import("../../ui/run-progress.tsx");
  const entries = toMenuEntries(session, await entryExtras(sys, session));
  const config = toMenuConfig(sys, session, opts.hiddenKeyWindowMs !== undefined ? { hiddenKeyWindowMs: opts.hiddenKeyWindowMs } : {});
  const problems = session.discovery.problems.map((p) => ({ file: p.file, ...(p.line !== undefined ? { line: p.line } : {}), message: p.message }));
  let error = opts.error;
  for (;;) {
    const d = await runMenu({ entries, config, problems, ...(error ? { error } : {}), io: opts.io });
    error = undefined;
    applyVariableChanges(sys, session, d);
    if (d.kind !== "boot") return { kind: d.kind };
    const entry = session.discovery.entries.find((e) => e.id === d.entryId);
    if (!entry) throw new Error(`Internal error: the menu chose "${d.entryId}", which is not an entry`);
    const edit = d.cmdline !== undefined ? { editedCmdline: d.cmdline } : {};
    if (opts.dryRun) {
      const { plan } = await planAndCheck(sys, session, entry, edit);
      opts.out.write(opts.json ? `${JSON.stringify(planToJson(plan), null, 2)}\n` : `${formatPlanText(plan)}\n`);
      return { kind: "dry-run", entryId: entry.id };
    }
    // A boot nobody chose by hand (the countdown ran out) falls back to the next entries on its own, as the
    // unattended policy does; a person who picked an entry sees the error screen instead.
    const all = session.discovery.entries;
    const candidates = d.unattended ? bootOrder(all, all.indexOf(entry)) : [entry];
    let lastError: unknown;
    for (const [i, candidate] of candidates.entries()) {
      if (i > 0) sys.log.info(`trying the next entry, "${candidate.showTitle}" (${candidate.id})`);
      // Shown from the first copied chunk on, so the checks' messages print before the view is drawn.
      let view: ReturnType<typeof showProgress> | undefined;
      const progress = {
        update: (u: { label: string; done: number; total: number }) => (view ??= showProgress({ io: opts.io, title: `Loading ${candidate.showTitle}` })).update(u),
        close: async () => view?.close(),
      };
      let plan;
      try {
        plan = await loadEntry(sys, session, bumpBootCounter(sys, session, candidate), {
          ...(i === 0 ? edit : {}),
          onProgress: (p) => progress.update({ label: p.phase, done: p.done, total: p.total }),
        });
      } catch (e) {
        await progress.close();
        sys.log.error(formatError(e));
        lastError = e;
        continue;
      }
      await progress.close();
      saveLastBooted(sys, session, candidate);
      await execLoaded(sys, plan);
      return { kind: "shell" };
    }
    error = menuErrorFrom(lastError);
  }
}

/** Sets OsIndications bit 0 so the firmware opens its setup on the next boot (§13.1 `f`). */
export function requestFirmwareSetup(sys: Sys): void {
  const cur = sys.efivars.read(OsIndications);
  const bits = (cur ? (decodeU64(cur.data) ?? 0n) : 0n) | 1n;
  sys.efivars.write(OsIndications, { attributes: ATTRS_PERSISTENT, data: encodeU64(bits) });
}
