/**
 * The boot flow shared by `ukiboot boot`, `ukiboot init` and the menu: discover → read the Boot Loader
 * Interface variables → choose → plan → check → load → exec (boot-behaviour.md §16.6). Loading and
 * executing are separate so the caller can unmount and sync in between.
 */
import { discoverEntries, type Discovery } from "../bls/discover-entries.ts";
import { lastBootedAction } from "../bls/default-entry.ts";
import { encodeUtf16, ATTRS_PERSISTENT } from "../efi/efivar-codec.ts";
import { LoaderConfigTimeoutOneShot, LoaderEntryLastBooted, LoaderEntryOneShot } from "../efi/loader-vars.ts";
import { BootError, formatError } from "../errors.ts";
import { checkKernelImage, KERNEL_HEADER_BYTES } from "../kexec/kernel-image.ts";
import { type BootEntry, isBadEntry } from "../model/boot-entry.ts";
import { formatProblem } from "../model/problem.ts";
import { formatPlanText } from "../plan/format-plan.ts";
import type { LoadPlan } from "../model/load-plan.ts";
import { buildPlan } from "../plan/build-plan.ts";
import { createSourceReader, sourceSize } from "../initrd/byte-source.ts";
import { parseKernelConfig } from "../initrd/kernel-config.ts";
import { refuseInvalidInitrd, validateInitrd } from "../initrd/validate-initrd.ts";
import type { Progress, Sys } from "../ports/sys.ts";
import { bumpBootCounter, removeStaleBootCountPath } from "./boot-counting.ts";
import { measureBoot } from "./measure-boot.ts";
import { loadTrustContext, type TrustContext, type TrustOptions, verifyEntry } from "./trust-context.ts";
import { readLoaderVars, resolveLoaderState, type LoaderState } from "./loader-state.ts";

export interface Partitions {
  esp: string;
  xbootldr?: string;
}

export interface BootSession {
  discovery: Discovery;
  state: LoaderState;
  trust: TrustContext;
}

export interface SessionOptions extends TrustOptions {
  entryOverride?: string;
  timeoutOverride?: string;
}

/** Discovers entries, reads the variables and the trust anchors; logs problems and unhonoured settings. Changes nothing. */
export async function openSession(sys: Sys, parts: Partitions, opts: SessionOptions = {}): Promise<BootSession> {
  const discovery = await discoverEntries(sys.fs, { esp: parts.esp, ...(parts.xbootldr ? { xbootldr: parts.xbootldr } : {}) });
  for (const p of discovery.problems) sys.log.warn(formatProblem(p));
  const state = resolveLoaderState(discovery, readLoaderVars(sys.efivars), opts);
  for (const n of state.notes) sys.log.warn(n);
  const trust = await loadTrustContext(sys, state.vars.secureBoot, opts);
  for (const p of trust.problems) sys.log.warn(p);
  return { discovery, state, trust };
}

/**
 * At the start of a real boot: deletes the one-shot variables that were read (systemd-boot deletes them as
 * soon as it reads them, so a failed boot does not repeat the one-shot forever) and ukiboot's own stale
 * LoaderBootCountPath from an earlier boot.
 */
export function consumeOneShots(sys: Sys, session: BootSession): void {
  removeStaleBootCountPath(sys, session);
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

/** Writes or deletes LoaderEntryLastBooted after the choice, only when the value changes (§14.3). */
export function saveLastBooted(sys: Sys, session: BootSession, entry: BootEntry): void {
  const action = lastBootedAction(entry.id, session.state.inputs);
  try {
    if (action.kind === "write") sys.efivars.write(LoaderEntryLastBooted, { attributes: ATTRS_PERSISTENT, data: encodeUtf16(action.id) });
    if (action.kind === "delete") sys.efivars.remove(LoaderEntryLastBooted);
  } catch (e) {
    sys.log.warn(`could not update LoaderEntryLastBooted: ${formatError(e)}`);
  }
}

/** The entry to boot first, then the fallbacks: the entries after it in menu order that are not bad (§9.1). */
export function bootOrder(entries: readonly BootEntry[], first: number): BootEntry[] {
  const chosen = entries[first];
  if (!chosen) return [];
  return [chosen, ...entries.slice(first + 1).filter((e) => !isBadEntry(e))];
}

/** Refuses a kernel image that cannot boot, before the kernel gets the chance to crash on it. */
async function checkKernel(sys: Sys, plan: LoadPlan): Promise<void> {
  const size = sourceSize(plan.kernel);
  const header = await createSourceReader(plan.kernel, (p, o, l) => sys.fs.readRange(p, o, l))(0, Math.min(KERNEL_HEADER_BYTES, size));
  const check = checkKernelImage(header, size);
  if (check.problem) {
    throw new BootError(`Cannot boot "${plan.label}": ${check.problem}`, "Rebuild or reinstall this UKI; ukiboot tries the next entry");
  }
}

export interface LoadOptions {
  /** A confirmed edit of the command line (menu `e`, --cmdline). */
  editedCmdline?: string;
  /** Added at the end of the command line (--append). */
  append?: string;
  /** Load even when the initrd check finds members the kernel would drop. */
  force?: boolean;
  crash?: boolean;
  onProgress?: (p: Progress) => void;
}

/** The plan of `entry` under the firmware's Secure Boot state, checked: kernel image and merged initrd. */
export async function planAndCheck(sys: Sys, session: BootSession, entry: BootEntry, opts: LoadOptions = {}): Promise<{ plan: LoadPlan; warnings: string[] }> {
  // Signatures first: under enforce an unverified UKI is refused and unverified add-ons are left out.
  const verified = await verifyEntry(sys, session.trust, entry);
  const plan = await buildPlan(sys.fs, verified.entry, {
    ...(opts.editedCmdline !== undefined ? { editedCmdline: opts.editedCmdline } : {}),
    ...(opts.append !== undefined ? { append: opts.append } : {}),
    secureBoot: session.state.vars.secureBoot === true,
  });
  await checkKernel(sys, plan);
  const configText = sys.kernelConfigText();
  const validation = await validateInitrd(plan.initrd, {
    readRange: (p, o, l) => sys.fs.readRange(p, o, l),
    kernelConfig: configText === null ? null : parseKernelConfig(configText),
  });
  const problems = refuseInvalidInitrd(validation, { force: opts.force === true });
  return { plan, warnings: [...verified.warnings, ...plan.notes, ...problems.map((p) => p.message)] };
}

/** Plans, checks and loads one entry. @throws BootError/SysCallError with the reason it cannot boot */
export async function loadEntry(sys: Sys, session: BootSession, entry: BootEntry, opts: LoadOptions = {}): Promise<LoadPlan> {
  const checked = await planAndCheck(sys, session, entry, opts);
  for (const w of checked.warnings) sys.log.warn(w);
  const crash = opts.crash ? { crash: true } : {};
  // Loaded once before anything is measured: when the kernel refuses this image (its own signature check,
  // a format it cannot load, no memory), the PCRs stay as they were and the next entry is measured from
  // the same state, so a disk sealed to that entry's PCR 11 still unlocks.
  sys.log.info(`loading "${entry.showTitle}" (${entry.id}) from ${checked.plan.label}`);
  await sys.kexec.load(checked.plan, { ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...crash });
  try {
    // Measured as systemd-stub measures, just before the kernel would have been started.
    const measured = await measureBoot(sys, checked.plan, session.trust.policy.mode);
    for (const n of measured.notes) sys.log.info(n);
    // Loaded again with the measurement log in the initrd (and the phase words): the same kernel, from the page cache.
    if (measured.plan !== checked.plan) await sys.kexec.load(measured.plan, crash);
    return measured.plan;
  } catch (e) {
    // A refused measurement (enforce) or a failed second load: the unmeasured image must not stay loaded.
    await sys.kexec.unload(crash).catch(() => undefined);
    throw e;
  }
}

/** Unmounts, syncs and jumps into the loaded kernel. Returns only by throwing. */
export async function execLoaded(sys: Sys, plan: LoadPlan): Promise<void> {
  sys.log.info(`starting the kernel of ${plan.entryId} with: ${plan.cmdline}`);
  await sys.prepareForExec();
  await sys.kexec.exec();
}

export interface BootRequest extends Partitions, SessionOptions {
  dryRun: boolean;
  out: { write(s: string): unknown };
}

/**
 * Boots the default entry unattended; when planning or loading it fails, says why and tries the next entry
 * in menu order that is not bad, up to the end of the list. With dryRun prints the default entry's plan,
 * changes nothing and returns the plan.
 * @throws BootError when no entry could be loaded (the caller offers the menu or the rescue shell)
 */
export async function bootDefault(sys: Sys, req: BootRequest): Promise<LoadPlan> {
  const session = await openSession(sys, req, req);
  const { entries } = session.discovery;
  const first = session.state.choice.index;
  if (entries.length === 0 || first === undefined) {
    const where = [req.esp, ...(req.xbootldr ? [req.xbootldr] : [])].map((p) => `"${p}"`).join(" or ");
    throw new BootError(
      `Cannot boot: no boot entry found on ${where} (looked for EFI/Linux/*.efi and loader/entries/*.conf)`,
      "Install a UKI into EFI/Linux on the ESP (kernel-install, ukify), or choose another disk",
    );
  }
  if (req.dryRun) {
    const entry = entries[first]!;
    sys.log.info(`would boot "${entry.showTitle}" (${entry.id}), chosen by ${session.state.choice.reason}`);
    const { plan, warnings } = await planAndCheck(sys, session, entry);
    for (const w of warnings) sys.log.warn(w);
    req.out.write(`${formatPlanText(plan)}\n`);
    return plan;
  }
  consumeOneShots(sys, session);
  return bootUnattended(sys, session);
}

/**
 * Boots the session's default entry with no one watching; when planning or loading fails, says why and
 * tries the next entry in menu order that is not bad. Returns only by throwing.
 * @throws BootError when no entry could be loaded
 */
export async function bootUnattended(sys: Sys, session: BootSession): Promise<LoadPlan> {
  const { entries } = session.discovery;
  const first = session.state.choice.index ?? 0;
  const order = bootOrder(entries, first);
  const failures: string[] = [];
  for (const [i, entry] of order.entries()) {
    let plan: LoadPlan;
    try {
      sys.log.info(`booting "${entry.showTitle}" (${entry.id})${i === 0 ? `, chosen by ${session.state.choice.reason}` : ""}`);
      plan = await loadEntry(sys, session, bumpBootCounter(sys, session, entry));
    } catch (e) {
      sys.log.error(formatError(e));
      failures.push(entry.id);
      const next = order[i + 1];
      if (next) sys.log.info(`trying the next entry, "${next.showTitle}" (${next.id})`);
      continue;
    }
    saveLastBooted(sys, session, entry);
    await execLoaded(sys, plan);
    return plan;
  }
  throw new BootError(
    entries.length === 0 ? "Cannot boot: there are no boot entries" : `Cannot boot: every entry failed to load (${failures.join(", ")})`,
    "Read the messages above for each entry; fix or replace the UKIs on the ESP",
  );
}
