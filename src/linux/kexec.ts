/**
 * kexec_file_load(2) and reboot(LINUX_REBOOT_CMD_KEXEC): loading and executing are separate steps so the
 * caller can unmount and sync in between (as u-root's boot package does).
 */
import { existsSync, readFileSync } from "node:fs";
import { BootError } from "../errors.ts";
import { kexecHints, kexecLoadHints } from "../kexec-segments/kexec-errors.ts";
import { addressOf, cString, REBOOT_MAGIC, sysCall } from "./libc.ts";
import {
  KEXEC_ARCH_DEFAULT,
  KEXEC_FILE_NO_INITRAMFS,
  KEXEC_FILE_ON_CRASH,
  KEXEC_FILE_UNLOAD,
  KEXEC_SEGMENT_MAX,
  LINUX_REBOOT_CMD_KEXEC,
} from "./syscall-numbers.ts";

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

/** One piece kexec_load copies: `bufBytes` at address `buf` go to physical `mem`, zero-filled up to `memBytes`. */
export interface KexecSegment {
  buf: number | Uint8Array;
  bufBytes: number;
  mem: number;
  memBytes: number;
}

/**
 * kexec_load(2): the older call, where the caller has placed every segment and names the entry point
 * (docs/kexec.md §11). The segment list is `struct kexec_segment[]`: four machine words each.
 */
export function kexecLoad(entry: number, segments: KexecSegment[], label: string): void {
  if (segments.length > KEXEC_SEGMENT_MAX) {
    throw new BootError(
      `Cannot load "${label}": kexec_load takes at most ${KEXEC_SEGMENT_MAX} segments, and ukiboot made ${segments.length}`,
      "This is a ukiboot bug in placing the segments (docs/kexec.md §11)",
    );
  }
  const list = new Uint8Array(segments.length * 32);
  const dv = new DataView(list.buffer);
  segments.forEach((s, i) => {
    dv.setBigUint64(i * 32, BigInt(typeof s.buf === "number" ? s.buf : addressOf(s.buf)), true);
    dv.setBigUint64(i * 32 + 8, BigInt(s.bufBytes), true);
    dv.setBigUint64(i * 32 + 16, BigInt(s.mem), true);
    dv.setBigUint64(i * 32 + 24, BigInt(s.memBytes), true);
  });
  const where = segments.map((s) => `0x${s.mem.toString(16)}+0x${s.memBytes.toString(16)}`).join(" ");
  sysCall("kexec_load", [entry, segments.length, list, KEXEC_ARCH_DEFAULT], {
    args: `entry=0x${entry.toString(16)}, segments=[${where}], flags=0x0`,
    action: `load "${label}"`,
    hints: kexecLoadHints,
  });
}

/** kexec_load with no segments: unloads what kexec_load loaded. */
export function kexecUnload(): void {
  sysCall("kexec_load", [0, 0, null, KEXEC_ARCH_DEFAULT], { args: "entry=0, segments=[], flags=0x0", action: "unload the kexec image", hints: kexecLoadHints });
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
