/**
 * `ukiboot kdump`: a crash kernel made from a UKI (docs/kdump.md). The entry the system booted (or a named
 * one) is verified and planned as for a boot, with the kdump add-ons after its own, then its command line is
 * rewritten for a crash kernel when the policy lets it change, its initrd replaced when a kdump initrd is
 * configured, and it is loaded with KEXEC_FILE_ON_CRASH. It is never measured.
 */
import { BootError, SysCallError } from "../errors.ts";
import { findEntryByPattern } from "../bls/default-entry.ts";
import { sourceSize } from "../bytes/byte-source.ts";
import { crashCmdline } from "../kdump/crash-cmdline.ts";
import { crashMemoryProblem, formatMiB } from "../kdump/crash-memory.ts";
import { KDUMP_CONFIG_PATH, kdumpInitrdPath, type KdumpConfig } from "../kdump/kdump-config.ts";
import { findKdumpAddons, kdumpAddonDirs } from "../kdump/kdump-addons.ts";
import type { KernelImageCheck } from "../kernel-image/kernel-image.ts";
import type { BootAddon, BootEntry } from "../model/boot-entry.ts";
import { addonsOf, mayReplaceCrashInitrd, ukiOf, unameOf } from "../model/entry-rules.ts";
import { bootImageOf, commandLineRule } from "../model/command-line-rule.ts";
import type { LoadPlan } from "../plan/load-plan.ts";
import { formatProblem, type Problem } from "../model/problem.ts";
import type { Sys } from "../ports/sys.ts";
import { type BootSession, trustStateOf } from "./boot-session.ts";
import { currentEntry } from "./current-entry.ts";
import { loadEntry, planAndCheck } from "./load-entry.ts";
import type { PlanTransform } from "./load/load-options.ts";
import { layoutInitrd } from "../initrd/initrd-layout.ts";
import { checkCmdlineLength } from "../cmdline/kexec-cmdline.ts";

export interface KdumpOptions {
  config: KdumpConfig;
  /** An entry id or glob; default: the config's `entry`, else the entry this system was booted from. */
  entryId?: string;
  /** A kdump initrd; default: the config's `initrd`, else the entry's own merged initrd. */
  initrd?: string;
  /** Plan and check only. */
  dryRun?: boolean;
}

export interface CrashKernel {
  entry: BootEntry;
  /** Why this entry: "named", or where the booted entry's id came from. */
  chosenBy: string;
  plan: LoadPlan;
  kdumpAddons: BootAddon[];
  /** Words taken out of the entry's line; empty when the line was not rewritten. */
  removed: string[];
  /** false when the policy kept the UKI's signed line, and only kdump add-ons add to it. */
  rewritten: boolean;
  /** Bytes crashkernel= reserved, when the kernel says. */
  reserved?: number;
}

/** The entry to take the crash kernel from, and why. @throws BootError when there is none */
function chooseEntry(sys: Sys, session: BootSession, pattern: string | undefined): { entry: BootEntry; chosenBy: string } {
  const entries = session.discovery.entries;
  let chosenBy = "named";
  if (pattern === undefined) {
    const booted = currentEntry(sys);
    if (!booted) {
      throw new BootError(
        "Cannot tell which entry this system was booted from: the kernel command line has no ukiboot.booted-entry credential and LoaderEntrySelected is not set",
        `Name the entry: ukiboot kdump ENTRY-ID, or "entry ID" in ${KDUMP_CONFIG_PATH}; ukiboot list shows the ids`,
      );
    }
    pattern = booted.id;
    chosenBy = `the entry this system was booted from (${booted.source})`;
  }
  const index = findEntryByPattern(entries, pattern);
  if (index === undefined) {
    // The booted UKI may have been replaced by a file that is no entry at all (no .linux): say what was found.
    const p = pattern.toLowerCase();
    const why = session.discovery.problems.find((x: Problem) => x.file.toLowerCase().endsWith(`/${p}`));
    throw new BootError(
      `Cannot find the entry "${pattern}" (${chosenBy}) to take a crash kernel from${why ? `: ${formatProblem(why)}` : ""}`,
      "Run ukiboot list to see the entry ids, and name one: ukiboot kdump ENTRY-ID; nothing was loaded",
    );
  }
  return { entry: entries[index]!, chosenBy };
}

/** Checks that the crash kernel fits the reservation, before the kernel answers with a bare ENOMEM. */
function checkFits(plan: LoadPlan, kernel: KernelImageCheck, reserved: number): void {
  const problem = crashMemoryProblem(
    { kernel: sourceSize(plan.kernel), ...(kernel.initSize !== undefined ? { initSize: kernel.initSize } : {}), initrd: plan.initrd.size },
    reserved,
  );
  if (problem) {
    throw new BootError(
      `Cannot load a crash kernel from "${plan.label}": ${problem}`,
      "Enlarge crashkernel= on the kernel command line and reboot, or use a smaller kdump initrd; nothing was loaded",
    );
  }
}

/** Errnos with which the kernel says a crash kernel found no room in the reservation (docs/kdump.md §2). */
const NO_ROOM = new Set(["ENOMEM", "EINVAL", "EADDRNOTAVAIL"]);

/** A kexec_file_load failure that means no room in the reservation, said as such; anything else as it is. */
function inReservation(e: unknown, reserved: number | undefined): never {
  if (e instanceof SysCallError && e.syscall === "kexec_file_load" && NO_ROOM.has(e.errnoName) && reserved !== undefined) {
    throw new BootError(
      `${e.message}: the crash kernel found no room in the ${formatMiB(reserved)} that crashkernel= reserved`,
      "Enlarge crashkernel= on the kernel command line and reboot (docs/kdump.md §2); nothing was loaded",
      { cause: e },
    );
  }
  throw e;
}

/** @throws BootError/SysCallError with the reason; nothing is loaded then, and an earlier crash kernel stays */
export async function loadCrashKernel(sys: Sys, session: BootSession, opts: KdumpOptions): Promise<CrashKernel> {
  const reserved = sys.kexec.crashSize();
  if (!opts.dryRun) {
    if (reserved === undefined) {
      throw new BootError(
        "Cannot load a crash kernel: this kernel has no crash kernel support (/sys/kernel/kexec_crash_size is missing)",
        "Boot a kernel built with CONFIG_CRASH_DUMP and CONFIG_KEXEC_FILE",
      );
    }
    if (reserved === 0) {
      throw new BootError(
        "Cannot load a crash kernel: no memory is reserved for one (/sys/kernel/kexec_crash_size is 0)",
        "Add crashkernel= (for example crashkernel=512M) to the kernel command line (in a UKI: its .cmdline or an add-on) and reboot; nothing was loaded",
      );
    }
  }
  const { entry, chosenBy } = chooseEntry(sys, session, opts.entryId ?? opts.config.entry);
  const problems: Problem[] = [];
  const kdumpAddons = await findKdumpAddons(sys.fs, entry, problems);
  for (const p of problems) sys.log.warn(formatProblem(p));
  const trust = trustStateOf(session);
  // The rewrite is a line from outside the UKI like any other: the same rule as for a boot (docs/trust.md §5).
  const line = commandLineRule(bootImageOf(entry), trust);
  const rewrites = !line.imageLineWins;
  if (line.imageLineWins && kdumpAddons.length === 0) {
    const uki = ukiOf(entry);
    const dirs = uki ? kdumpAddonDirs(uki.loaderPath).join(" or ") : "a kdump directory";
    throw new BootError(
      `Cannot load a crash kernel from "${entry.id}": its signed command line may not change (${line.reason}), and there is no kdump add-on in ${dirs} to give the crash options`,
      "Sign a kdump add-on (docs/kdump.md §5) and put it there; nothing was loaded",
    );
  }
  const initrdPattern = opts.initrd ?? opts.config.initrd;
  const initrdFile = initrdPattern !== undefined ? kdumpInitrdPath(initrdPattern, unameOf(entry)) : undefined;
  if (initrdFile !== undefined) {
    const mayInitrd = mayReplaceCrashInitrd(entry, trust, initrdFile);
    if (mayInitrd !== true) throw new BootError(mayInitrd.reason, mayInitrd.hint);
  }
  let removed: string[] = [];
  const transform = crashTransform({
    addons: kdumpAddons,
    ...(rewrites
      ? {
          rewrite: (line: string) => {
            const r = crashCmdline(line, opts.config);
            // The plan is made twice (the second time from the sealed copies): the last one counts.
            removed = r.removed;
            return r.cmdline;
          },
        }
      : {}),
    ...(initrdFile !== undefined ? { initrd: initrdFile } : {}),
    ...(reserved !== undefined && !opts.dryRun ? { beforeLoad: (plan: LoadPlan, kernel: KernelImageCheck) => checkFits(plan, kernel, reserved) } : {}),
  });
  const plan = opts.dryRun
    ? (await planAndCheck(sys, session, entry, { transform })).plan
    : await loadEntry(sys, session, entry, { transform }).catch((e) => inReservation(e, reserved));
  return { entry, chosenBy, plan, kdumpAddons, removed, rewritten: rewrites, ...(reserved !== undefined ? { reserved } : {}) };
}

/** How a crash kernel differs from a boot of the same entry (docs/kdump.md). */
export interface CrashLoad {
  /** Kdump add-ons, applied after the entry's own; under enforce each must verify, or nothing is loaded. */
  addons: BootAddon[];
  /** Rewrites the composed command line; given only when the policy lets the line change (docs/kdump.md §3). */
  rewrite?: (cmdline: string) => string;
  /** A kdump initrd that takes the place of the whole merged initrd. */
  initrd?: string;
  /** A last check of the finished plan and its kernel's header before it is loaded (that it fits the reserved memory). */
  beforeLoad?: (plan: LoadPlan, kernel: KernelImageCheck) => void;
}

/** The crash kernel as a transform of the load path (src/flow/load-entry.ts): loaded on crash, never measured. */
export function crashTransform(crash: CrashLoad): PlanTransform {
  return {
    crash: true,
    // The kdump add-ons after the entry's own; a plain kernel takes none.
    entry: (entry) =>
      crash.addons.length === 0 || entry.kind === "type1-linux" || entry.kind === "uki-url"
        ? entry
        : { ...entry, addons: [...addonsOf(entry), ...crash.addons] },
    verified: (entry, warnings) => refuseLostKdumpAddons(crash.addons, entry, warnings),
    plan: (sys, plan) => asCrashPlan(sys, plan, crash),
    ...(crash.beforeLoad ? { beforeLoad: crash.beforeLoad } : {}),
  };
}

/**
 * A kdump add-on the policy left out would leave the crash kernel without its options, under the very
 * policy that forbids changing the line any other way: nothing is loaded instead (docs/kdump.md §5).
 * @throws BootError naming the add-on and why it was left out
 */
function refuseLostKdumpAddons(wanted: BootAddon[], verified: BootEntry, warnings: readonly string[]): void {
  const kept = new Set(addonsOf(verified).map((a) => a.path));
  const lost = wanted.find((a) => !kept.has(a.path));
  if (!lost) return;
  const why = warnings.find((w) => w.includes(lost.fileName)) ?? "it does not verify";
  throw new BootError(
    `Cannot load a crash kernel with the kdump add-on "${lost.path}": ${why}`,
    "Sign the kdump add-on with a key the policy trusts (ukify --secureboot-private-key), or remove it; nothing was loaded",
  );
}

/** The entry's plan as a crash kernel: the rewritten line, and the kdump initrd in place of the merged one. */
async function asCrashPlan(sys: Sys, plan: LoadPlan, crash: CrashLoad): Promise<LoadPlan> {
  const cmdline = crash.rewrite ? crash.rewrite(plan.cmdline) : plan.cmdline;
  checkCmdlineLength(cmdline);
  if (crash.initrd === undefined) return { ...plan, cmdline };
  const st = await sys.fs.stat(crash.initrd);
  if (st?.kind !== "file") {
    throw new BootError(
      `Cannot use the kdump initrd "${crash.initrd}": ${st ? "it is not a regular file" : "it does not exist"}`,
      "Build it (Debian: kdump-config load builds /var/lib/kdump/initrd.img-<version>), or name another with --initrd or in /etc/ukiboot/kdump.conf; nothing was loaded",
    );
  }
  const initrd = layoutInitrd([{ kind: "kdump-initrd", origin: crash.initrd, source: { type: "range", path: crash.initrd, offset: 0, size: st.size } }], {
    style: "type1",
  });
  return { ...plan, cmdline, initrd, notes: [...plan.notes, `the crash kernel gets the kdump initrd "${crash.initrd}" instead of the entry's own`] };
}
