/**
 * The pipeline's last steps: load the checked plan, then measure it as systemd-stub would and load it again
 * with the measurement log in its initrd. A crash kernel (a PlanTransform with `crash`) is loaded on crash and
 * never measured.
 */
import { appendCmdline } from "../../cmdline/compose.ts";
import { bootedEntryWord } from "../../cmdline/booted-entry.ts";
import { checkCmdlineLength } from "../../cmdline/kexec-cmdline.ts";
import type { BootEntry } from "../../model/boot-entry.ts";
import type { LoadPlan } from "../../plan/load-plan.ts";
import type { Sys } from "../../ports/sys.ts";
import type { BootSession } from "../boot-session.ts";
import type { CheckedPlan, LoadOptions } from "./load-options.ts";
import { measureBoot } from "../measure-boot.ts";

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

export async function loadAndMeasure(sys: Sys, session: BootSession, entry: BootEntry, opts: LoadOptions, planned: CheckedPlan): Promise<LoadPlan> {
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
    sys.log.info(
      "this kernel has no kexec_file_load: loaded with kexec_load, ukiboot placing the segments and handing the next kernel the running device tree with a new /chosen (docs/kexec.md §11)",
    );
  }
  if (asCrash || opts.measure === false) return checked.plan;
  try {
    const measured = await measureBoot(sys, checked.plan, session.trust.policy.mode, planned.digests, { closeTotp: opts.closeTotp === true });
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
