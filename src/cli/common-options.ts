/** Options several commands share, and resolving them into paths. */
import { BootError } from "../errors.ts";
import { findEspMountPoint } from "../disk/mountinfo.ts";
import { type BootSession, openSession, type Partitions } from "../flow/boot-session.ts";
import type { Platform } from "../ports/platform.ts";
import type { Sys } from "../ports/sys.ts";
import type { CommandIo } from "./command.ts";

export const PARTITION_OPTIONS = {
  esp: { type: "string" },
  xbootldr: { type: "string" },
  efivarfs: { type: "string" },
  verify: { type: "string" },
  trust: { type: "string", multiple: true },
} as const;

export const PARTITION_HELP = `  --esp DIR        the mounted EFI System Partition (default: /efi, /boot/efi or /boot when it is an ESP)
  --xbootldr DIR   the mounted XBOOTLDR partition (default: /boot when the ESP is elsewhere and /boot is FAT)
  --efivarfs DIR   read and write EFI variables in DIR instead of /sys/firmware/efi/efivars
  --verify MODE    off, warn, enforce or strict: check UKI, add-on and kernel signatures (default:
                   enforce under Secure Boot or kernel lockdown, else warn; Secure Boot cannot be
                   weakened; strict boots only whole signed UKIs)
  --trust CERT     also trust this certificate (PEM or DER); repeatable`;

/** --verify and --trust as session options. */
export function trustOptions(values: { verify?: string; trust?: string[] }): { verifyFlag?: string; trustFiles?: string[] } {
  return { ...(values.verify !== undefined ? { verifyFlag: values.verify } : {}), ...(values.trust ? { trustFiles: values.trust } : {}) };
}

/**
 * --esp/--xbootldr, or the ESP as the system mounts it: /efi, /boot/efi or /boot when it is vfat; and
 * /boot as XBOOTLDR when the ESP is elsewhere and /boot is vfat too.
 */
export function resolvePartitions(sys: Pick<Sys, "mounts">, values: { esp?: string; xbootldr?: string }): Partitions {
  const clean = (p: string) => p.replace(/\/+$/, "") || "/";
  if (values.esp) return { esp: clean(values.esp), ...(values.xbootldr ? { xbootldr: clean(values.xbootldr) } : {}) };
  const mounts = sys.mounts.systemMounts();
  const esp = findEspMountPoint(mounts);
  if (!esp) throw new BootError("Cannot find the ESP: nothing of type vfat is mounted at /efi, /boot/efi or /boot", "Mount the ESP, or pass --esp DIR");
  let xbootldr = values.xbootldr ? clean(values.xbootldr) : undefined;
  if (!xbootldr && esp !== "/boot") {
    const boot = mounts.filter((m) => m.mountPoint === "/boot").at(-1);
    if (boot && boot.fsType === "vfat") xbootldr = "/boot";
  }
  return { esp, ...(xbootldr ? { xbootldr } : {}) };
}

/** The Sys every command runs on: `--efivarfs` when given, and UKIBOOT_DEBUG's messages, for every command alike. */
export function commandSys(platform: Platform, io: CommandIo, values: { efivarfs?: string | undefined }): Sys {
  return platform.sys({ debug: Boolean(io.env.UKIBOOT_DEBUG), ...(values.efivarfs ? { efivarfs: values.efivarfs } : {}) });
}

/** The prologue of every command that reads an ESP: its Sys, then the session over the partitions and trust options. */
export async function openCommandSession(
  platform: Platform,
  io: CommandIo,
  values: { esp?: string | undefined; xbootldr?: string | undefined; efivarfs?: string | undefined; verify?: string | undefined; trust?: string[] | undefined },
): Promise<{ sys: Sys; session: BootSession }> {
  const sys = commandSys(platform, io, values);
  return { sys, session: await sessionFor(sys, values) };
}

/** The session over the partitions and trust options the command line names, on a Sys the command already has. */
export function sessionFor(
  sys: Sys,
  values: { esp?: string | undefined; xbootldr?: string | undefined; verify?: string | undefined; trust?: string[] | undefined },
): Promise<BootSession> {
  return openSession(sys, resolvePartitions(sys, values), trustOptions(values));
}
