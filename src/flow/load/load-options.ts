/** What the load path (src/flow/load-entry.ts) takes and what its checking half hands its loading half. */
import type { KernelImageCheck } from "../../kernel-image/kernel-image.ts";
import type { BootEntry } from "../../model/boot-entry.ts";
import type { LoadPlan } from "../../plan/load-plan.ts";
import type { Progress, Sys } from "../../ports/sys.ts";
import type { VerifiedDigests } from "../measure-boot.ts";

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
  /** Read the UKI's `.splash` while its verified copy is sealed, to draw it before the jump (docs/splash.md §3). */
  readSplash?: boolean;
  /**
   * ukiboot is the boot loader, where a TOTP secret may be sealed to the menu's PCR 11 (docs/trust.md §8): the
   * measurement must move PCR 11 on even for a kernel systemd-stub would not measure into it, or the started
   * system could unseal the secret.
   */
  closeTotp?: boolean;
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
