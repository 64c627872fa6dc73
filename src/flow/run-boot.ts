/**
 * The one boot flow (docs/README.md "One boot flow"): from an open session, choose an entry (unattended, or
 * through the chooser the menu provides), load it with fallback, count and measure it, and start it.
 * `ukiboot init`, `ukiboot boot` and `ukiboot menu` all run a boot through runBoot(); the fallback loop,
 * the boot-counting rules and the variable writes of a boot live here and nowhere else.
 */
import { BootError, formatError } from "../errors.ts";
import { isBadEntry, type BootEntry } from "../model/boot-entry.ts";
import { rebootsAfterFailedStart } from "../model/entry-rules.ts";
import type { LoadPlan } from "../plan/load-plan.ts";
import { formatPlanText, planToJson } from "../report/format-plan.ts";
import type { Chooser, ProgressView } from "../ports/chooser.ts";
import type { MenuError, MenuNotice } from "../ports/menu.ts";
import type { Sys } from "../ports/sys.ts";
import { announceCountedBoot, removeStaleBootCountPath, spendOneTry } from "./boot-assessment.ts";
import { type BootSession, consumeOneShots, saveLastBooted } from "./boot-session.ts";
import { loadEntry, planAndCheck } from "./load-entry.ts";
import { applyVariableChanges, menuErrorFrom, menuView } from "./menu-view.ts";
import { showSplash } from "./show-splash.ts";
import { TotpLine } from "./totp-secret.ts";

/** How a boot session ended when no kernel started. */
export type BootOutcome =
  /** The kernel was started; only a fake exec returns here. */
  | { kind: "started"; plan: LoadPlan }
  | { kind: "dry-run"; plan: LoadPlan }
  | { kind: "shell" }
  | { kind: "reboot" }
  | { kind: "poweroff" }
  | { kind: "firmware-setup" };

export interface RunOptions {
  /** Opens the person's menu when one is needed; null when nobody can answer (no console). */
  chooser: (() => Promise<Chooser>) | null;
  /** Show the menu first. false: boot the default unattended, and offer the menu only when that fails. */
  menuFirst: boolean;
  /** With a hidden menu, how long a key may arrive to open it. */
  hiddenKeyWindowMs?: number;
  /**
   * What the menu's shell item means: "rescue", the PID-1 rescue shell, which the trust policy may take away;
   * "leave", back to the shell `ukiboot menu` was started from on a running system, always offered.
   */
  shell?: "rescue" | "leave";
  /**
   * Honour loader.conf's `reboot-on-error` (docs/efi-variables.md §7): when ukiboot is the machine's boot
   * loader (PID 1). A command on a running system never reboots it.
   */
  rebootOnError?: boolean;
  /**
   * Draw the UKI's `.splash` before its kernel starts (docs/splash.md §3): when ukiboot is the boot loader.
   * A command on a running system leaves the screen to that system.
   */
  splash?: boolean;
  /**
   * Offer the TOTP code in the menu's header and the action that seals its secret, and move PCR 11 on before
   * every kernel (docs/trust.md §8): when ukiboot is the machine's boot loader, not inside a distribution's
   * initramfs, whose own boot goes on from the PCRs its loader left.
   */
  totp?: boolean;
  /** Print the chosen entry's plan instead of booting it; nothing is changed. */
  dryRun?: { out: { write(s: string): unknown }; json?: boolean };
}

/** The entry to boot first, then the fallbacks: the entries after it in menu order that are not bad (docs/order-and-default.md §2). */
export function bootOrder(entries: readonly BootEntry[], first: number): BootEntry[] {
  const chosen = entries[first];
  if (!chosen) return [];
  return [chosen, ...entries.slice(first + 1).filter((e) => !isBadEntry(e))];
}

/** The error for "nothing to boot here": says where ukiboot looked. */
function noEntries(session: BootSession): BootError {
  if (!session.partitions)
    return new BootError(
      "Cannot boot: ukiboot.url= gave no entry, and there is no ESP",
      "Read the messages above about ukiboot.url=; check the server, or attach a disk with an ESP",
    );
  const { esp, xbootldr } = session.partitions;
  const where = [esp, ...(xbootldr ? [xbootldr] : [])].map((p) => `"${p}"`).join(" or ");
  return new BootError(
    `Cannot boot: no boot entry found on ${where} (looked for EFI/Linux/*.efi and loader/entries/*.conf)`,
    "Install a UKI into EFI/Linux on the ESP (kernel-install, ukify), or choose another disk",
  );
}

interface Attempt {
  /** The chooser's progress view while the first candidate loads (the menu path only). */
  progress?: (title: string) => ProgressView;
  /** A confirmed edit of the command line, for the first candidate only. */
  editedCmdline?: string;
  /** The default choice's reason, for the log. */
  reason?: string;
  /** Whether loader.conf's reboot-on-error applies (RunOptions.rebootOnError). */
  rebootOnError?: boolean;
  /** RunOptions.splash. */
  splash?: boolean;
  /** ukiboot is the boot loader, where a TOTP secret may be sealed: the boot must move PCR 11 on (LoadOptions.closeTotp). */
  closeTotp?: boolean;
}

type AttemptResult = { plan: LoadPlan } | { failures: { id: string; error: unknown }[]; reboot?: boolean };

/**
 * The fallback loop: tries each candidate in turn; the first that loads is counted, recorded and started.
 * Returns the plan that was started (with a fake exec), or the failures when none loaded.
 */
async function bootFirstThatLoads(sys: Sys, session: BootSession, candidates: BootEntry[], opts: Attempt): Promise<AttemptResult> {
  const failures: { id: string; error: unknown }[] = [];
  for (const [i, candidate] of candidates.entries()) {
    if (i > 0) sys.log.info(`trying the next entry, "${candidate.showTitle}" (${candidate.id})`);
    else if (!opts.progress) sys.log.info(`booting "${candidate.showTitle}" (${candidate.id})${opts.reason ? `, chosen by ${opts.reason}` : ""}`);
    // A counted entry uses one of its tries before it is tried, as in systemd-boot: a try that fails counts.
    const { entry, used: usedTry } = spendOneTry(sys, session, candidate);
    // Shown from the first copied chunk on, so the checks' messages print before the view is drawn.
    let view: ProgressView | undefined;
    const progress = opts.progress;
    let plan: LoadPlan;
    try {
      plan = await loadEntry(sys, session, entry, {
        ...(i === 0 && opts.editedCmdline !== undefined ? { editedCmdline: opts.editedCmdline } : {}),
        ...(opts.splash ? { readSplash: true } : {}),
        ...(opts.closeTotp ? { closeTotp: true } : {}),
        ...(progress ? { onProgress: (p) => (view ??= progress(`Loading ${entry.showTitle}`)).update({ label: p.phase, done: p.done, total: p.total }) } : {}),
      });
    } catch (e) {
      await view?.close();
      sys.log.error(formatError(e));
      failures.push({ id: entry.id, error: e });
      const setting = session.discovery.config.rebootOnError;
      if (opts.rebootOnError && rebootsAfterFailedStart(setting, candidate)) {
        sys.log.warn(
          `rebooting: ${candidate.id} failed to start and loader.conf's reboot-on-error is ${setting === "auto" ? "auto (a counted entry with tries left)" : "yes"}; ` +
            `the next boot starts from clean measurements${usedTry ? ` with ${entry.fileName}` : ""}`,
        );
        return { failures, reboot: true };
      }
      continue;
    }
    await view?.close();
    announceCountedBoot(sys, entry, usedTry);
    saveLastBooted(sys, session, entry);
    sys.log.info(`starting the kernel of ${plan.entryId} with: ${plan.cmdline}`);
    for (const f of sys.mounts.releaseAll()) sys.log.warn(`could not unmount ${f.target}: ${f.error.message}`);
    const splashShown = opts.splash === true && showSplash(sys, plan);
    try {
      await sys.kexec.exec();
    } catch (e) {
      if (splashShown) sys.screen.restoreText();
      throw e;
    }
    return { plan };
  }
  return { failures };
}

function everyEntryFailed(failures: { id: string }[]): BootError {
  return new BootError(
    failures.length === 0 ? "Cannot boot: there are no boot entries" : `Cannot boot: every entry failed to load (${failures.map((f) => f.id).join(", ")})`,
    "Read the messages above for each entry; fix or replace the UKIs on the ESP",
  );
}

/** Prints the plan of `entry` and changes nothing. */
async function printPlan(
  sys: Sys,
  session: BootSession,
  entry: BootEntry,
  dryRun: NonNullable<RunOptions["dryRun"]>,
  editedCmdline?: string,
): Promise<LoadPlan> {
  const { plan, warnings } = await planAndCheck(sys, session, entry, editedCmdline !== undefined ? { editedCmdline } : {});
  for (const w of warnings) sys.log.warn(w);
  dryRun.out.write(dryRun.json ? `${JSON.stringify(planToJson(plan), null, 2)}\n` : `${formatPlanText(plan)}\n`);
  return plan;
}

/**
 * Runs one boot session to its end. Unattended (or menuFirst false): the default entry, then the fallbacks;
 * when all fail, the menu with the error if there is a chooser, else a BootError. With the menu: until an
 * entry starts or the person picks the shell, a reboot, power off or the firmware setup.
 * @throws BootError when nothing could be booted and nobody can be asked
 */
export async function runBoot(sys: Sys, session: BootSession, opts: RunOptions): Promise<BootOutcome> {
  const { entries } = session.discovery;
  const first = session.state.choice.index;
  if (opts.dryRun && !opts.menuFirst) {
    if (entries.length === 0 || first === undefined) throw noEntries(session);
    const entry = entries[first]!;
    sys.log.info(`would boot "${entry.showTitle}" (${entry.id}), chosen by ${session.state.choice.reason}`);
    return { kind: "dry-run", plan: await printPlan(sys, session, entry, opts.dryRun) };
  }
  if (!opts.dryRun) {
    // The one-shots are used up by reading them, and an earlier boot's LoaderBootCountPath is stale now.
    consumeOneShots(sys, session);
    removeStaleBootCountPath(sys, session);
  }
  let error: MenuError | undefined;
  if (!opts.menuFirst || !opts.chooser) {
    if (entries.length === 0 || first === undefined) {
      if (!opts.chooser) throw noEntries(session);
      error = menuErrorFrom(noEntries(session));
    } else {
      const r = await bootFirstThatLoads(sys, session, bootOrder(entries, first), {
        reason: session.state.choice.reason ?? "",
        rebootOnError: opts.rebootOnError ?? false,
        splash: opts.splash ?? false,
        closeTotp: opts.totp === true,
      });
      if ("plan" in r) return { kind: "started", plan: r.plan };
      if (r.reboot) return { kind: "reboot" };
      const failed = everyEntryFailed(r.failures);
      if (!opts.chooser) throw failed;
      sys.log.error(formatError(failed));
      error = menuErrorFrom(failed);
    }
  }
  return menuLoop(sys, session, await opts.chooser(), opts, error);
}

/** The menu until an entry starts or the person picks something else; a failed load shows the error screen. */
async function menuLoop(sys: Sys, session: BootSession, chooser: Chooser, opts: RunOptions, firstError: MenuError | undefined): Promise<BootOutcome> {
  let error = firstError;
  let notice: MenuNotice | undefined;
  const menu = await menuView(sys, session, opts.hiddenKeyWindowMs ?? 100, opts.shell ?? "rescue");
  const totp = opts.totp && session.partitions && !opts.dryRun ? new TotpLine(sys, session.partitions.esp) : undefined;
  // The action only where a TPM can seal; the header says why there is no code either way.
  const sealable = totp !== undefined && sys.tpm.open() !== null;
  const view = totp ? { ...menu, config: { ...menu.config, actions: { ...menu.config.actions, sealTotp: sealable } }, totp: totp.header } : menu;
  for (;;) {
    const d = await chooser.choose({ ...view, ...(error ? { error } : {}), ...(notice ? { notice } : {}) });
    error = undefined;
    notice = undefined;
    applyVariableChanges(sys, session, d);
    if (d.kind === "seal-totp") {
      // The menu offers the action only with a TotpLine.
      try {
        notice = await totp!.seal();
      } catch (e) {
        sys.log.error(formatError(e));
        error = { ...menuErrorFrom(e), title: "The TOTP secret could not be sealed" };
      }
      continue;
    }
    if (d.kind !== "boot") return { kind: d.kind };
    const all = session.discovery.entries;
    const index = all.findIndex((e) => e.id === d.entryId);
    const entry = all[index];
    if (!entry) throw new Error(`Internal error: the menu chose "${d.entryId}", which is not an entry`);
    if (opts.dryRun) return { kind: "dry-run", plan: await printPlan(sys, session, entry, opts.dryRun, d.cmdline) };
    // A boot nobody chose by hand (the countdown ran out) falls back to the next entries on its own, as the
    // unattended boot does; a person who picked an entry sees the error screen instead.
    const candidates = d.unattended ? bootOrder(all, index) : [entry];
    const r = await bootFirstThatLoads(sys, session, candidates, {
      progress: (title) => chooser.progress(title),
      rebootOnError: opts.rebootOnError ?? false,
      splash: opts.splash ?? false,
      closeTotp: opts.totp === true,
      ...(d.cmdline !== undefined ? { editedCmdline: d.cmdline } : {}),
    });
    if ("plan" in r) return { kind: "started", plan: r.plan };
    if (r.reboot) return { kind: "reboot" };
    error = menuErrorFrom(r.failures.at(-1)?.error);
  }
}
