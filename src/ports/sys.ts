/**
 * The effect boundary: everything the boot flow does to the machine goes through these interfaces.
 * src/sys/linux/ implements them; tests pass fakes that record what would have happened.
 */
import type { EfiVariable } from "../efi/efivar-codec.ts";
import type { VariableId } from "../efi/loader-vars.ts";
import type { LoadPlan } from "../model/load-plan.ts";
import type { TpmTransport } from "../tpm/tpm2-client.ts";
import type { ReadOnlyFs } from "./fs.ts";

export interface Progress {
  phase: "kernel" | "initrd";
  done: number;
  total: number;
}

export interface KexecLoader {
  /** Copies the plan's bytes into memory files and calls kexec_file_load. @throws SysCallError */
  load(plan: LoadPlan, opts?: { crash?: boolean; onProgress?: (p: Progress) => void }): Promise<void>;
  unload(opts?: { crash?: boolean }): Promise<void>;
  /** reboot(LINUX_REBOOT_CMD_KEXEC). Returns only when it fails (it throws then). */
  exec(): Promise<void>;
  isLoaded(opts?: { crash?: boolean }): boolean | undefined;
}

/** Console and kernel-log output, each line prefixed with "ukiboot: " in the kernel log. */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

export interface Sys {
  fs: ReadOnlyFs;
  kexec: KexecLoader;
  efivars: EfiVars;
  log: Log;
  /** Unmounts what ukiboot mounted and syncs; called before exec. */
  prepareForExec(): Promise<void>;
  /**
   * Renames a file in its directory without replacing anything (RENAME_NOREPLACE) and flushes it: the one
   * write ukiboot makes to the ESP, for boot counting. A read-only mount of ukiboot's is made writable for it.
   */
  renameOnEsp(path: string, newName: string): void;
  /** The running kernel's configuration (/proc/config.gz, or /boot/config-$(uname -r)); null when unreadable. */
  kernelConfigText(): string | null;
  /** /sys/kernel/security/lockdown, or null when the kernel has no lockdown LSM. */
  lockdownText(): string | null;
  /** A transport to the TPM 2.0 resource manager (/dev/tpmrm0), or null when there is none. */
  openTpm(): TpmTransport | null;
  /** Whether the firmware booted this kernel with UEFI (/sys/firmware/efi exists). */
  isEfiBoot(): boolean;
  /** This boot's id (/proc/sys/kernel/random/boot_id), for the measurement log; null when unknown. */
  bootId(): string | null;
}

/** EFI variables (efivarfs, or a copied tree given with --efivarfs DIR). */
export interface EfiVars {
  /** false when there is no efivarfs (a LinuxBoot payload without UEFI runtime services). */
  readonly available: boolean;
  /** Where the variables are read from, for messages. */
  readonly location: string;
  read(v: VariableId): EfiVariable | null;
  /** Creates or replaces a variable with one write of attributes + data. @throws SysCallError-like errors */
  write(v: VariableId, value: EfiVariable): void;
  /** Deletes a variable; a missing one is not an error. */
  remove(v: VariableId): void;
}
