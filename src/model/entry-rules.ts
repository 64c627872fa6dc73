/**
 * What each kind of entry allows, in one place: whether it may boot under the verification mode, whether
 * boots of it are counted, which UKI or kernel is verified and measured for it, whether the rescue shell may
 * be offered, and how the menu lists it (docs/entries.md §8, docs/trust.md §2). Whose command line boots is
 * not the kind's to say but the image's: command-line-rule.ts (docs/trust.md §5).
 */
import { isEnforcing, type LockdownMode, type VerifyMode } from "../trust/verify-policy.ts";
import type { BootAddon, BootEntry, CompanionFile, EntryFile, EntryKind, UkiImageRef } from "./boot-entry.ts";

/**
 * The UKI the entry boots through the stub rules (Type #2, Type #1 `uki`, or an `efi` target that is a
 * UKI): the image whose signature is verified and whose sections are measured. undefined for a plain kernel.
 */
export function ukiOf(entry: BootEntry): UkiImageRef | undefined {
  // A network entry has no image until it is fetched; the fetched one is a Type #2 entry.
  return entry.kind === "type1-linux" || entry.kind === "uki-url" ? undefined : entry.image;
}

/** The add-ons that apply to the entry: none for a plain kernel. */
export function addonsOf(entry: BootEntry): readonly BootAddon[] {
  return entry.kind === "type1-linux" || entry.kind === "uki-url" ? [] : (entry.addons ?? []);
}

/** The credentials and extension images the stub would pack for the entry: none for a plain kernel or an unfetched network entry. */
export function companionsOf(entry: BootEntry): readonly CompanionFile[] {
  return entry.kind === "type1-linux" || entry.kind === "uki-url" ? [] : (entry.companions ?? []);
}

/** The UKI's `.uname`, when the entry boots one that has it. */
export function unameOf(entry: BootEntry): string | undefined {
  return ukiOf(entry)?.uname;
}

/** The UKI profile the entry boots, for the kinds that name one. */
export function profileOf(entry: BootEntry): number | undefined {
  return entry.kind === "type2" || entry.kind === "type1-uki" || entry.kind === "uki-url" ? entry.profile : undefined;
}

/** The id that all profiles of one UKI share: that of profile 0. */
export function ukiIdOf(entry: BootEntry): string {
  return entry.kind === "type2" ? (entry.idWithoutProfile ?? entry.id) : entry.id;
}

/** Kinds whose boots are counted: linux, uki and Type #2, as newer systemd-boot does (docs/efi-variables.md §5). */
const COUNTED: readonly EntryKind[] = ["type1-linux", "type1-uki", "type2"];

/** Whether booting this entry uses one of its tries (its file name carries a counter and its kind is counted). */
export function isCounted(entry: BootEntry): boolean {
  return entry.triesLeft >= 0 && entry.nextFileName !== undefined && COUNTED.includes(entry.kind);
}

/**
 * loader.conf's `reboot-on-error` (docs/efi-variables.md §7): whether a failed start of `entry` reboots the
 * machine instead of going on to the next entry or the menu. `auto`, the default: only when the entry is
 * counted and had tries left before this try, so the next try starts from a clean measurement log and the
 * counter bounds the reboots.
 */
export function rebootsAfterFailedStart(setting: "auto" | boolean, entry: BootEntry): boolean {
  if (setting !== "auto") return setting;
  return isCounted(entry) && entry.triesLeft > 0;
}

/** The menu hotkey: systemd-boot gives Linux kinds "l"; an `efi` entry has none. */
export function hotkeyOf(entry: BootEntry): string | undefined {
  return entry.kind === "type1-efi" ? undefined : "l";
}

/** What decides whether signatures rule this boot: the firmware's Secure Boot, kernel lockdown, and the mode. */
export interface TrustState {
  mode: VerifyMode;
  secureBoot: boolean;
  /** /sys/kernel/security/lockdown; integrity or confidentiality make the boot as strict as Secure Boot. */
  lockdown?: LockdownMode;
  /** A confidential VM: under Secure Boot systemd-stub then takes no command line from outside a UKI at all. */
  confidentialVm?: boolean;
}

/**
 * Why signatures rule this boot, as a clause for refusals ("Secure Boot is on"), or undefined when they do
 * not: Secure Boot on, the kernel locked down, or a mode that refuses what does not verify (docs/trust.md §2).
 */
export function whySignaturesRule(t: TrustState): string | undefined {
  if (t.secureBoot) return "Secure Boot is on";
  if (t.lockdown === "integrity" || t.lockdown === "confidentiality") return `the kernel is locked down (${t.lockdown})`;
  if (isEnforcing(t.mode)) return `signatures are enforced (${t.mode})`;
  return undefined;
}

/**
 * Whether a kdump initrd file (`--initrd`, or `initrd` in kdump.conf) may replace the entry's initrd for a
 * crash kernel, or why not (docs/kdump.md §4). No signature covers such a file, and the kernel does not
 * check initrds on kexec, so while signatures rule the boot only a signed kdump add-on's `.initrd` may.
 */
export function mayReplaceCrashInitrd(entry: BootEntry, t: TrustState, file: string): true | { reason: string; hint: string } {
  const why = whySignaturesRule(t);
  if (why === undefined) return true;
  return {
    reason: `Cannot load a crash kernel from "${entry.id}" with the kdump initrd ${file}: ${why}, and no signature covers that file`,
    hint: "Remove `initrd` from /etc/ukiboot/kdump.conf (or drop --initrd) to use the entry's own signed initrd, or put the initrd into a signed kdump add-on (docs/kdump.md §5); nothing was loaded",
  };
}

/** The plain kernel an entry boots without a UKI around it: a Type #1 `linux` kernel, or an `efi` EFI-stub kernel. */
export function plainKernelOf(entry: BootEntry): EntryFile | undefined {
  if (entry.kind === "type1-linux") return entry.linux;
  if (entry.kind === "type1-efi" && !entry.image) return entry.efi;
  return undefined;
}

/** Whether the mode lets this kind boot at all: `strict` boots only whole signed UKIs (docs/trust.md §2). */
export function kindAllowed(entry: BootEntry, mode: VerifyMode): true | { reason: string; hint: string } {
  if (mode !== "strict" || !plainKernelOf(entry)) return true;
  return {
    reason: `Cannot boot "${entry.id}" under strict verification: it is a kernel with separate initrds and options, which no signature covers`,
    hint: "Boot a signed UKI instead, or use ukiboot.verify=enforce to allow signed Type #1 kernels",
  };
}

/**
 * Whether the menu and the shim may offer the rescue shell: not while signatures are enforced, where a shell
 * in the boot initramfs could kexec a signed kernel with any initrd and command line, unless the image was
 * built for a lab with the shell turned back on (docs/trust.md §6).
 */
export function mayOfferRescueShell(mode: VerifyMode, builtWithRescueShell: boolean): boolean {
  return builtWithRescueShell || !isEnforcing(mode);
}
