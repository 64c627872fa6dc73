/**
 * System call numbers per architecture (docs/kexec.md §2; asm-generic numbering for arm64 and riscv64).
 * Only architectures whose kernel has kexec_file_load are listed; others get ENOSYS from the caller.
 */

export type SyscallName =
  | "kexec_file_load"
  | "kexec_load"
  | "mmap"
  | "munmap"
  | "memfd_create"
  | "reboot"
  | "mount"
  | "umount2"
  | "finit_module"
  | "copy_file_range"
  | "sync"
  | "syncfs"
  | "renameat2"
  | "ioctl"
  | "sendfile"
  | "fcntl";

const X86_64: Record<SyscallName, number> = {
  kexec_file_load: 320,
  kexec_load: 246,
  mmap: 9,
  munmap: 11,
  memfd_create: 319,
  reboot: 169,
  mount: 165,
  umount2: 166,
  finit_module: 313,
  copy_file_range: 326,
  sync: 162,
  syncfs: 306,
  renameat2: 316,
  ioctl: 16,
  sendfile: 40,
  fcntl: 72,
};

/** arm64 and riscv64 share the asm-generic table. */
const GENERIC: Record<SyscallName, number> = {
  kexec_file_load: 294,
  kexec_load: 104,
  mmap: 222,
  munmap: 215,
  memfd_create: 279,
  reboot: 142,
  mount: 40,
  umount2: 39,
  finit_module: 273,
  copy_file_range: 285,
  sync: 81,
  syncfs: 267,
  renameat2: 276,
  ioctl: 29,
  sendfile: 71,
  fcntl: 25,
};

export const SYSCALL_NUMBERS: Partial<Record<string, Record<SyscallName, number>>> = {
  x64: X86_64,
  arm64: GENERIC,
  riscv64: GENERIC,
};

/** The number of `name` on `arch` (Node's process.arch names), or undefined when unsupported. */
export function syscallNumber(name: SyscallName, arch: string = process.arch): number | undefined {
  return SYSCALL_NUMBERS[arch]?.[name];
}

// Kernel ABI constants, under their kernel names so grepping the kernel, kexec-tools and ukiboot finds all three.
export const KEXEC_FILE_UNLOAD = 0x1;
export const KEXEC_FILE_ON_CRASH = 0x2;
export const KEXEC_FILE_NO_INITRAMFS = 0x4;
export const KEXEC_ARCH_DEFAULT = 0;
export const KEXEC_SEGMENT_MAX = 16;
export const PROT_READ = 0x1;
export const MAP_PRIVATE = 0x2;
export const LINUX_REBOOT_MAGIC1 = 0xfee1dead;
export const LINUX_REBOOT_MAGIC2 = 0x28121969;
export const LINUX_REBOOT_CMD_KEXEC = 0x45584543;
export const LINUX_REBOOT_CMD_RESTART = 0x01234567;
export const LINUX_REBOOT_CMD_POWER_OFF = 0x4321fedc;
export const MFD_CLOEXEC = 0x1;
export const MFD_ALLOW_SEALING = 0x2;
export const F_ADD_SEALS = 1033;
export const F_SEAL_SEAL = 0x1;
export const F_SEAL_SHRINK = 0x2;
export const F_SEAL_GROW = 0x4;
export const F_SEAL_WRITE = 0x8;
export const MODULE_INIT_COMPRESSED_FILE = 0x4;
export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_REMOUNT = 0x20;
export const MNT_DETACH = 0x2;
export const RENAME_NOREPLACE = 0x1;
export const FS_IOC_GETFLAGS = 0x80086601;
export const FS_IOC_SETFLAGS = 0x40086602;
export const FS_IMMUTABLE_FL = 0x10;

/** Framebuffer ioctls (include/uapi/linux/fb.h): fill fb_var_screeninfo and fb_fix_screeninfo. */
export const FBIOGET_VSCREENINFO = 0x4600;
export const FBIOGET_FSCREENINFO = 0x4602;
/** VT ioctl (include/uapi/linux/kd.h): KD_TEXT or KD_GRAPHICS; in graphics mode the console draws no text. */
export const KDSETMODE = 0x4b3a;
export const KD_TEXT = 0;
export const KD_GRAPHICS = 1;
