/**
 * What `ukiboot install` will write, decided before anything is written: the boot image's place on the
 * ESP, the fallback loader only where none exists (or when asked), the firmware boot entry and its place
 * first in `BootOrder`; or the one sentence that says why nothing is installed.
 */
import { BootError } from "../errors.ts";
import { freeBootNumber, withFirst } from "../efi/boot-order.ts";
import type { EfiArch } from "../pe/efi-arch.ts";
import type { BootImageLayout } from "./install-record.ts";

/** Where the boot image goes, per architecture, as systemd-boot's own file is named (`systemd-bootx64.efi`). */
export function bootImagePath(arch: EfiArch): string {
  return `EFI/ukiboot/ukiboot${arch}.efi`;
}

/** The firmware's fallback loader, started when no boot entry works (UEFI 2.10 §3.5.1.1). */
export function fallbackPath(arch: EfiArch): string {
  return `EFI/BOOT/BOOT${arch.toUpperCase()}.EFI`;
}

/** Where a file that ukiboot replaces is kept until `remove` puts it back. */
export function backupPath(path: string): string {
  return `loader/ukiboot/backup/${path}`;
}

export const BOOT_ENTRY_DESCRIPTION = "ukiboot";

export interface InstallFacts {
  readonly arch: EfiArch;
  /** The ESP as mounted, for messages. */
  readonly espMount: string;
  readonly freeBytes: number;
  readonly layout: BootImageLayout;
  /** Bytes of everything the boot image adds to the ESP (image, and an initramfs beside it in the linux-efi-stub layout). */
  readonly imageBytes: number;
  readonly fallbackExists: boolean;
  /** Write the fallback loader even when one exists (it is kept and put back by `remove`). */
  readonly forceFallback: boolean;
  readonly bootEntry: boolean;
  readonly secureBoot: boolean;
  readonly signing: boolean;
  /** Why the boot image's kernel cannot start another kernel, when it cannot. */
  readonly kexecUnsupported?: string;
  /** The `Boot####` numbers in use and `BootOrder`; undefined without EFI variables. */
  readonly bootVariables?: { readonly used: readonly number[]; readonly order: readonly number[] };
  /** The number of a `Boot####` that already starts ukiboot's image (a second install reuses it). */
  readonly existingEntry?: number;
}

export interface InstallPlan {
  /** ESP-relative paths to write, the boot image first. */
  readonly files: readonly { readonly path: string; readonly role: "image" | "fallback" | "initramfs" }[];
  /** Existing files moved aside before they are replaced. */
  readonly backups: readonly { readonly path: string; readonly backup: string }[];
  readonly bootEntry: { readonly number: number; readonly order: readonly number[]; readonly orderBefore: readonly number[] } | null;
}

const MIB = 1024 * 1024;
const mib = (n: number) => `${(n / MIB).toFixed(1)} MiB`;

/**
 * The plan, or a BootError with the reason and the next step; nothing is written either way.
 * @throws BootError when ukiboot cannot be installed as asked
 */
export function planInstall(f: InstallFacts): InstallPlan {
  if (f.kexecUnsupported) {
    throw new BootError(`Cannot install ukiboot: ${f.kexecUnsupported}`, "Pass --kernel with a kernel built with CONFIG_KEXEC_FILE=y (Debian's kernels are)");
  }
  if (f.secureBoot && f.layout === "linux-efi-stub") {
    throw new BootError(
      "Cannot install ukiboot with --layout linux-efi-stub while Secure Boot is on: the kernel's EFI stub would load an initramfs no signature covers",
      "Use --layout uki with --sign-key KEY --sign-cert CERT",
    );
  }
  if (f.secureBoot && !f.signing) {
    throw new BootError(
      "Cannot install ukiboot: Secure Boot is on, and the firmware would refuse an unsigned boot image",
      "Sign it with a key the firmware trusts: --sign-key KEY --sign-cert CERT with your own db key, or with a Machine Owner Key enrolled for shim (mokutil --import CERT)",
    );
  }
  // The kernel's EFI stub takes its initramfs from the boot entry's options, which the fallback path has none of.
  const writeFallback = f.layout === "uki" && (!f.fallbackExists || f.forceFallback);
  const files: InstallPlan["files"][number][] = [{ path: bootImagePath(f.arch), role: "image" }];
  if (f.layout === "linux-efi-stub") files.push({ path: "EFI/ukiboot/initramfs.img", role: "initramfs" });
  if (writeFallback) files.push({ path: fallbackPath(f.arch), role: "fallback" });
  // The fallback copy is the image again, so the space needed counts the image twice then.
  const needed = f.imageBytes * (writeFallback ? 2 : 1);
  if (needed > f.freeBytes) {
    throw new BootError(
      `Cannot install ukiboot: the ESP at "${f.espMount}" has ${mib(f.freeBytes)} free, and the boot image needs ${mib(needed)}`,
      "Free space on the ESP (old kernels or UKIs you no longer boot), or leave the fallback loader alone",
    );
  }
  let bootEntry: InstallPlan["bootEntry"] = null;
  if (f.bootEntry) {
    if (!f.bootVariables) {
      throw new BootError(
        "Cannot create a firmware boot entry for ukiboot: there are no EFI variables (this is not a UEFI boot, or efivarfs is not mounted)",
        "Mount efivarfs, or pass --no-boot-entry and start ukiboot another way (the fallback loader, or a LinuxBoot payload)",
      );
    }
    const number = f.existingEntry ?? freeBootNumber(f.bootVariables.used);
    bootEntry = { number, order: withFirst(f.bootVariables.order, number), orderBefore: f.bootVariables.order };
  }
  const backups = writeFallback && f.fallbackExists ? [{ path: fallbackPath(f.arch), backup: backupPath(fallbackPath(f.arch)) }] : [];
  return { files, backups, bootEntry };
}
