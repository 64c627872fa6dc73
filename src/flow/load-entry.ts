/**
 * One entry from plan to a loaded kernel: verify its signatures, plan what the stub would hand the kernel,
 * check the kernel image and the merged initrd, load it, and measure it as systemd-stub would.
 */
import { BootError } from "../errors.ts";
import { createSourceReader, sourceSize } from "../bytes/byte-source.ts";
import type { KernelImageCheck } from "../kexec/kernel-image.ts";
import { classifyKernel, KERNEL_CLASSIFY_BYTES } from "../kexec/classify-kernel.ts";
import { readEmbeddedConfig } from "../kexec/ikconfig.ts";
import { parseKernelConfig } from "../initrd/kernel-config.ts";
import { refuseInvalidInitrd, validateInitrd } from "../initrd/validate-initrd.ts";
import type { BootEntry } from "../model/boot-entry.ts";
import { addonsOf, plainKernelOf, ukiOf } from "../model/entry-rules.ts";
import { mayChangeCmdline } from "../model/command-line-rule.ts";
import { appendCmdline } from "../cmdline/compose.ts";
import { bootedEntryWord } from "../cmdline/booted-entry.ts";
import { checkCmdlineLength } from "../cmdline/kexec-cmdline.ts";
import type { LoadPlan } from "../model/load-plan.ts";
import { buildPlan } from "../plan/build-plan.ts";
import { fileAt, filesOfPlan, firstDifference } from "../plan/plan-files.ts";
import { rediscoverEntry } from "../bls/discover-entries.ts";
import type { Progress, Sys } from "../ports/sys.ts";
import { type BootSession, trustStateOf } from "./boot-session.ts";
import { measureBoot, type VerifiedDigests } from "./measure-boot.ts";
import { verifyEntry } from "./judge-entry.ts";
import { fetchEntry } from "./fetch-entry.ts";

/**
 * How a load differs from a boot of the same entry, applied at fixed points of the one load path: a crash
 * kernel (src/flow/load-crash-kernel.ts) is made this way, so that the path itself has no kdump branches.
 */
export interface PlanTransform {
  /** The entry to verify and plan in place of the listed one (for example with more add-ons). */
  entry(entry: BootEntry): BootEntry;
  /** Looks at the verdict before anything is planned; throws to refuse. */
  verified(entry: BootEntry, warnings: readonly string[]): void;
  /** The plan to load, made from the boot's plan; planned again from the seal like it. */
  plan(sys: Sys, plan: LoadPlan): Promise<LoadPlan>;
  /** A last check of the finished plan and its kernel's header before it is loaded. */
  beforeLoad?(plan: LoadPlan, kernel: KernelImageCheck): void;
  /** Loaded with KEXEC_FILE_ON_CRASH: no booted-entry credential, and never measured (docs/kdump.md §6). */
  crash: true;
}

export interface LoadOptions {
  /** A confirmed edit of the command line (menu `e`, --cmdline). */
  editedCmdline?: string;
  /**
   * Added to the entry's own command line (--append): the same as an edit of that line, so it goes where a
   * custom line goes and is measured into PCR 12 as one (docs/command-line.md §2).
   */
  append?: string;
  /** Load even when the initrd check finds members the kernel would drop. */
  force?: boolean;
  /** Makes something else of the entry than a boot: a crash kernel (src/flow/load-crash-kernel.ts). */
  transform?: PlanTransform;
  /**
   * Extend the PCRs as systemd-stub would (default). A boot measures; `ukiboot load` on a running system
   * measures only when asked, because the PCRs then describe the running system, not the loaded one, and a
   * crash kernel never (docs/measurements.md §4).
   */
  measure?: boolean;
  onProgress?: (p: Progress) => void;
}

/**
 * Refuses a kernel image that cannot boot, before the kernel gets the chance to crash on it. On arm64 it also
 * says how the kernel is packed: a gzip stream or an EFI zboot payload is marked for the loader to undo,
 * because kexec_file_load there takes a plain Image only (docs/kexec.md §10).
 */
async function prepareKernel(sys: Sys, plan: LoadPlan): Promise<{ plan: LoadPlan; kernel: KernelImageCheck }> {
  const size = sourceSize(plan.kernel);
  const read = createSourceReader(plan.kernel, (p, o, l) => sys.fs.readRange(p, o, l));
  const header = await read(0, Math.min(KERNEL_CLASSIFY_BYTES, size));
  const k = classifyKernel(header, size, sys.kernel.machine(), `"${plan.label}"`);
  switch (k.kind) {
    case "refused":
      throw new BootError(`Cannot boot "${plan.label}": ${k.problem}`, `Rebuild or reinstall this UKI${k.machine === "aarch64" ? " with an arm64 kernel" : ""}; ukiboot tries the next entry`);
    case "unchecked":
      throw new BootError(`Cannot boot "${plan.label}": ukiboot loads kernels on x86_64 and aarch64 only, and this machine is ${k.machine}`, "Boot this machine with another boot loader");
    case "bzImage":
      return { plan, kernel: k.check };
    case "image":
      return { plan, kernel: { format: "arm64-image" } };
    case "gzip":
      return { plan: { ...plan, kernelEncoding: "gzip", notes: [...plan.notes, "the kernel is a gzip-compressed arm64 Image: ukiboot decompresses it before loading, since the arm64 loaders take a plain Image"] }, kernel: { format: "arm64-image" } };
    case "zboot": {
      if (plan.kernel.type !== "range") throw new BootError(`Cannot boot "${plan.label}": its EFI zboot kernel is not one range of a file`, "Report this: ukiboot plans a UKI's .linux as one range");
      const payload = { ...plan.kernel, offset: plan.kernel.offset + k.payloadOffset, size: k.payloadSize };
      const note = `the kernel is an EFI zboot image with a ${k.compression} payload: ukiboot decompresses it before loading, since the arm64 loaders take a plain Image`;
      return { plan: { ...plan, kernel: payload, kernelEncoding: k.compression, notes: [...plan.notes, note] }, kernel: { format: "efi-zboot" } };
    }
  }
}

export interface CheckedPlan {
  plan: LoadPlan;
  warnings: string[];
  kernel: KernelImageCheck;
  /** The Authenticode SHA-256 digests verification computed, by path, so measuring does not hash those files again. */
  digests: VerifiedDigests;
  /** Closes what was fetched for the plan (a network entry's UKI) once the kernel holds its own copy. */
  release(): void;
}

/**
 * The plan of `entry` under the firmware's Secure Boot state, checked: signatures, kernel image and merged
 * initrd. A network entry is fetched first and checked as the UKI it downloads (docs/network.md §5).
 */
export async function planAndCheck(sys: Sys, session: BootSession, listed: BootEntry, opts: LoadOptions = {}): Promise<CheckedPlan> {
  if (listed.kind !== "uki-url") return { ...(await checkedPlan(sys, session, listed, opts, false)), release: () => undefined };
  const download = opts.onProgress;
  const fetched = await fetchEntry(sys, listed, session.network, download ? (p) => download({ phase: "download", done: p.received, total: p.total ?? p.received }) : undefined);
  try {
    const checked = await checkedPlan(sys, session, fetched.entry, opts, true);
    // Messages name the URL, not the memory file it was read from.
    const named = (s: string) => s.replaceAll(fetched.file.path, listed.url);
    return { ...checked, plan: { ...checked.plan, label: listed.url, notes: checked.plan.notes.map(named) }, warnings: checked.warnings.map(named), release: fetched.close };
  } catch (e) {
    fetched.close();
    if (e instanceof BootError) throw new BootError(e.message.replaceAll(fetched.file.path, listed.url), e.hint, { cause: e });
    throw e;
  }
}

async function checkedPlan(sys: Sys, session: BootSession, entry: BootEntry, opts: LoadOptions, sealed: boolean): Promise<Omit<CheckedPlan, "release">> {
  const trust = trustStateOf(session);
  const append = opts.append ?? "";
  if (opts.editedCmdline !== undefined || append !== "") {
    // One rule for every way a person changes a command line: the menu's editor, --cmdline and --append.
    // It is the rule the plan applies to entry options below, asked of the same image (docs/trust.md §5).
    const ok = mayChangeCmdline(entry, trust);
    if (ok !== true) throw new BootError(ok.reason, ok.hint);
  }
  const edited = append !== "" ? appendCmdline(opts.editedCmdline ?? entry.options, append) : opts.editedCmdline;
  // What is verified is sealed first, and read from the seal from then on: a writer on the ESP cannot change
  // it between the check and the load (docs/trust.md §4).
  const target = opts.transform ? opts.transform.entry(entry) : entry;
  // A fetched UKI is in a memory file sealed against writes: it is its own snapshot.
  if (session.trust.policy.mode !== "off" && !sealed) {
    await sys.snapshots.take(signedFilesOf(target));
    await confirmUnchanged(sys, entry);
  }
  // Signatures first: under enforce an unverified UKI is refused and unverified add-ons are left out.
  const verified = await verifyEntry(sys, session.trust, target);
  opts.transform?.verified(verified.entry, verified.warnings);
  const planned = async () => {
    const built = await buildPlan(sys.fs, verified.entry, { ...(edited !== undefined ? { editedCmdline: edited } : {}), trust });
    return { built, plan: opts.transform ? await opts.transform.plan(sys, built) : built };
  };
  // A fetched UKI is sealed by the network layer; anything else its plan reads is sealed here.
  const fetchedImage = sealed ? ukiOf(entry)?.path : undefined;
  const { built, plan: first } = await sealPlan(sys, entry, planned, fetchedImage);
  const { plan, kernel } = await prepareKernel(sys, first);
  const readRange = (p: string, o: number, l: number) => sys.fs.readRange(p, o, l);
  const machine = sys.kernel.machine();
  // The kernel that will unpack the initrd is asked, from its own image, and only when a compressed member
  // needs it (it may mean decompressing the kernel). The running kernel's configuration is not asked: it is
  // another kernel's, which may lack what the target has or have what it lacks (docs/initrd.md §5).
  const readTargetConfig = async () => {
    const image = { read: createSourceReader(built.kernel, readRange), size: sourceSize(built.kernel) };
    const found = await readEmbeddedConfig(image, { source: plan.label, machine });
    return "config" in found ? parseKernelConfig(found.config) : { unknown: found.missing };
  };
  const validation = await validateInitrd(plan.initrd, { readRange, kernelConfig: readTargetConfig, machine });
  const problems = refuseInvalidInitrd(validation, { force: opts.force === true });
  return { plan, warnings: [...verified.warnings, ...plan.notes, ...problems.map((p) => p.message)], kernel, digests: verified.digests };
}

/**
 * Seals every file the plan reads (credentials, extensions, `extra` files, Type #1 initrds, a kdump initrd,
 * besides the images sealed before verification), plans again from the sealed copies and requires the same
 * plan. From then on the initrd check, both loads and the measurements read the same bytes, whatever is
 * written to the ESP meanwhile (docs/trust.md §4).
 * @throws BootError naming the file that changed between the two plans
 */
async function sealPlan<T extends { plan: LoadPlan }>(sys: Sys, entry: BootEntry, planned: () => Promise<T>, alreadySealed?: string): Promise<T> {
  const first = await planned();
  await sys.snapshots.take(filesOfPlan(first.plan).filter((p) => p !== alreadySealed));
  const again = await planned();
  const changed = firstDifference(first.plan, again.plan);
  if (changed !== null) {
    const file = fileAt(first.plan, changed) ?? fileAt(again.plan, changed);
    throw new BootError(
      `Cannot boot "${entry.path}": ${file ? `"${file}"` : "a file it loads"} changed on disk while ukiboot read it (the plan's ${changed} differs once it is sealed)`,
      "Try again; if it keeps happening, something is rewriting the ESP while ukiboot runs",
    );
  }
  return again;
}

/**
 * After sealing, the entry is read again from its own sealed file with the discovery code and must be what was
 * listed: its section table, its .cmdline and .uname, its add-ons. Otherwise a file swapped between listing
 * and sealing could pair a verified image with text read from another (docs/trust.md §4).
 * @throws BootError when it changed
 */
async function confirmUnchanged(sys: Sys, entry: BootEntry): Promise<void> {
  const again = await rediscoverEntry(sys.fs, entry);
  const strip = (e: BootEntry) => ({ ...e, showTitle: "" });
  const changed = again ? firstDifference(strip(entry), strip(again)) : "(the entry is gone)";
  if (changed !== null) {
    throw new BootError(`Cannot boot "${entry.path}": it changed on disk after it was listed`, "Try again; if it keeps happening, something is rewriting the ESP while ukiboot runs");
  }
}

/** The files whose signatures a boot of `entry` checks: its UKI or plain kernel, and its add-ons. */
function signedFilesOf(entry: BootEntry): string[] {
  const main = ukiOf(entry) ?? plainKernelOf(entry);
  return [...(main ? [main.path] : []), ...addonsOf(entry).map((a) => a.path)];
}

/** Plans, checks, loads and measures one entry. @throws BootError/SysCallError with the reason it cannot boot */
export async function loadEntry(sys: Sys, session: BootSession, entry: BootEntry, opts: LoadOptions = {}): Promise<LoadPlan> {
  try {
    return await checkLoadMeasure(sys, session, entry, opts);
  } finally {
    // The kernel holds its own copy of what it loaded (or nothing is loaded): the sealed copies can go.
    sys.snapshots.release();
  }
}

/**
 * The plan with the credential that tells the booted system which entry this is (docs/efi-variables.md §8).
 * Not for a crash kernel, which is no boot of an entry. Left out, with a note, when the line would be too long.
 */
function withBootedEntry(sys: Sys, plan: LoadPlan, entry: BootEntry): LoadPlan {
  const word = bootedEntryWord(entry.id);
  if (!word) {
    sys.log.info(`not telling the target which entry it is: the id "${entry.id}" cannot be one command line word`);
    return plan;
  }
  const cmdline = appendCmdline(plan.cmdline, word);
  try {
    checkCmdlineLength(cmdline);
  } catch {
    sys.log.info(`not telling the target which entry it is: the command line has no room for "${word}"`);
    return plan;
  }
  return { ...plan, cmdline };
}

async function checkLoadMeasure(sys: Sys, session: BootSession, entry: BootEntry, opts: LoadOptions): Promise<LoadPlan> {
  const planned = await planAndCheck(sys, session, entry, opts);
  try {
    return await loadAndMeasure(sys, session, entry, opts, planned);
  } finally {
    planned.release();
  }
}

async function loadAndMeasure(sys: Sys, session: BootSession, entry: BootEntry, opts: LoadOptions, planned: CheckedPlan): Promise<LoadPlan> {
  for (const w of planned.warnings) sys.log.warn(w);
  const asCrash = opts.transform?.crash === true;
  const checked = asCrash ? planned : { ...planned, plan: withBootedEntry(sys, planned.plan, entry) };
  const crash = asCrash ? { crash: true } : {};
  opts.transform?.beforeLoad?.(checked.plan, planned.kernel);
  if (asCrash) sys.log.info("not measuring the crash kernel: it starts only after a crash, when the PCRs describe the crashed system (docs/kdump.md §6)");
  // Loaded once before anything is measured: when the kernel refuses this image (its own signature check,
  // a format it cannot load, no memory), the PCRs stay as they were and the next entry is measured from
  // the same state, so a disk sealed to that entry's PCR 11 still unlocks (docs/measurements.md §4).
  sys.log.info(`loading "${entry.showTitle}" (${entry.id}) from ${checked.plan.label}`);
  const call = await sys.kexec.load(checked.plan, { ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...crash });
  if (call === "kexec_load") {
    sys.log.info("this kernel has no kexec_file_load: loaded with kexec_load, ukiboot placing the segments and handing the next kernel the running device tree with a new /chosen (docs/kexec.md §11)");
  }
  if (asCrash || opts.measure === false) return checked.plan;
  try {
    const measured = await measureBoot(sys, checked.plan, session.trust.policy.mode, planned.digests);
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
