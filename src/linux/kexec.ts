/**
 * kexec_file_load(2) and reboot(LINUX_REBOOT_CMD_KEXEC): loading and executing are separate steps so the
 * caller can unmount and sync in between (as u-root's boot package does).
 */
import { existsSync, readFileSync } from "node:fs";
import { kexecHints } from "../kexec/kexec-errors.ts";
import { cString, REBOOT_MAGIC, sysCall } from "./libc.ts";
import { KEXEC_FILE_NO_INITRAMFS, KEXEC_FILE_ON_CRASH, KEXEC_FILE_UNLOAD, LINUX_REBOOT_CMD_KEXEC } from "./syscall-numbers.ts";

export interface KexecLoadRequest {
  kernelFd: number;
  /** null: no initrd (KEXEC_FILE_NO_INITRAMFS). */
  initrdFd: number | null;
  cmdline: string;
  crash?: boolean;
  /** What is being loaded, for messages: e.g. the UKI path. */
  label: string;
}

export function kexecFileLoad(req: KexecLoadRequest): void {
  let flags = 0;
  if (req.initrdFd === null) flags |= KEXEC_FILE_NO_INITRAMFS;
  if (req.crash) flags |= KEXEC_FILE_ON_CRASH;
  // cmdline_len counts the trailing NUL: the kernel returns EINVAL when the last byte is not NUL (docs/kexec.md §2).
  const cmd = cString(req.cmdline);
  sysCall("kexec_file_load", [req.kernelFd, req.initrdFd ?? -1, cmd.byteLength, cmd, flags], {
    args: `kernel=${req.kernelFd}, initrd=${req.initrdFd ?? -1}, cmdline_len=${cmd.byteLength}, flags=0x${flags.toString(16)}`,
    action: `load "${req.label}"`,
    hints: kexecHints,
  });
}

export function kexecFileUnload(opts: { crash?: boolean } = {}): void {
  const flags = KEXEC_FILE_UNLOAD | (opts.crash ? KEXEC_FILE_ON_CRASH : 0);
  sysCall("kexec_file_load", [-1, -1, 0, null, flags], {
    args: `flags=0x${flags.toString(16)}`,
    action: "unload the kexec image",
    hints: kexecHints,
  });
}

/** The memory crashkernel= reserved (/sys/kernel/kexec_crash_size), in bytes; undefined without the file. */
export function crashKernelSize(): number | undefined {
  const f = "/sys/kernel/kexec_crash_size";
  if (!existsSync(f)) return undefined;
  const n = Number(readFileSync(f, "utf8").trim());
  return Number.isFinite(n) ? n : undefined;
}

/** Whether a kexec image is loaded (/sys/kernel/kexec_loaded, or kexec_crash_loaded). */
export function isKexecLoaded(opts: { crash?: boolean } = {}): boolean | undefined {
  const f = opts.crash ? "/sys/kernel/kexec_crash_loaded" : "/sys/kernel/kexec_loaded";
  if (!existsSync(f)) return undefined;
  return readFileSync(f, "utf8").trim() === "1";
}

/** Jumps into the loaded kernel. Does not sync or unmount: the caller must have done both. */
export function rebootIntoKexec(): void {
  sysCall("reboot", [REBOOT_MAGIC[0], REBOOT_MAGIC[1], LINUX_REBOOT_CMD_KEXEC, null], {
    args: "LINUX_REBOOT_CMD_KEXEC",
    action: "start the loaded kernel",
    hints: {
      EINVAL: "No kernel is loaded: run ukiboot load first",
      EPERM: "Starting a kernel needs CAP_SYS_BOOT: run ukiboot as root",
      EBUSY: "Another kexec operation holds the kexec lock: wait for it and try again",
    },
  });
}

export function rebootSystem(cmd: number): void {
  sysCall("reboot", [REBOOT_MAGIC[0], REBOOT_MAGIC[1], cmd, null], { args: `cmd=0x${cmd.toString(16)}`, action: "reboot" });
}
