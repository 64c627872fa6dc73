/**
 * The only module that touches bun:ffi: libc's variadic `syscall()` with errno read through
 * `__errno_location()`, plus typed wrappers for every call ukiboot makes. Each failing call throws a
 * SysCallError naming the call, its arguments and the errno by name.
 */
import { dlopen, FFIType, ptr, read } from "bun:ffi";
import { BootError, SysCallError } from "../errors.ts";
import { FS_IOC_GETFLAGS, FS_IOC_SETFLAGS, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, syscallNumber, type SyscallName } from "./syscall-numbers.ts";

type Lib = {
  symbols: {
    syscall: (...args: (number | bigint)[]) => number | bigint;
    __errno_location: () => number | bigint | null;
  };
};

let lib: Lib | undefined;

function libc(): Lib {
  // Opened lazily: listing and planning never need it, and tests of the pure core never load it.
  lib ??= dlopen("libc.so.6", {
    // syscall(long number, ...) is variadic; on x86_64 and arm64 passing seven integer-class arguments is ABI-compatible.
    syscall: {
      args: [FFIType.i64, FFIType.i64, FFIType.i64, FFIType.i64, FFIType.i64, FFIType.i64, FFIType.i64],
      returns: FFIType.i64,
    },
    __errno_location: { args: [], returns: FFIType.ptr },
  }) as unknown as Lib;
  return lib;
}

/** Anything that becomes one machine-word syscall argument. */
export type Arg = number | bigint | Uint8Array | null;

function toWord(a: Arg): number | bigint {
  if (a === null) return 0;
  if (a instanceof Uint8Array) return a.byteLength === 0 ? 0 : ptr(a);
  return a;
}

/** The address of `buf`'s bytes, for a structure that points at them (kexec_load's segment list). */
export function addressOf(buf: Uint8Array): number {
  return buf.byteLength === 0 ? 0 : ptr(buf);
}

/** A NUL-terminated C string in a buffer that lives as long as the caller holds it. */
export function cString(s: string): Uint8Array {
  return new TextEncoder().encode(`${s}\0`);
}

export interface CallDescription {
  /** Human summary of the arguments for the error message, e.g. `kernel=7, initrd=8, flags=0x0`. */
  args: string;
  /** What ukiboot was trying to do, for "Cannot <action>: …". */
  action?: string;
  /** Next step for the person at the console, per errno name. */
  hints?: Partial<Record<string, string>>;
  defaultHint?: string;
}

/**
 * Calls `name` through libc's syscall() and returns its non-negative result.
 * @throws SysCallError with errno on failure; BootError when the architecture lacks the call.
 */
export function sysCall(name: SyscallName, args: Arg[], what: CallDescription): number {
  const nr = syscallNumber(name);
  if (nr === undefined) {
    throw new BootError(
      `Cannot call ${name}: ukiboot has no system call table for the "${process.arch}" architecture`,
      "Use a boot kernel built for x86_64, arm64 or riscv64",
    );
  }
  const words = args.map(toWord);
  while (words.length < 6) words.push(0);
  const ret = Number(libc().symbols.syscall(nr, ...words));
  if (ret === -1) {
    const errno = readErrno();
    throw new SysCallError(name, what.args, errno, {
      ...(what.action === undefined ? {} : { action: what.action }),
      hint: hintFor(errno, what),
    });
  }
  return ret;
}

function hintFor(errno: number, what: CallDescription): string {
  const e = new SysCallError("x", "", errno);
  return what.hints?.[e.errnoName] ?? what.defaultHint ?? "";
}

function readErrno(): number {
  const p = libc().symbols.__errno_location();
  if (p === null) return 0;
  return read.i32(p as never, 0);
}

/** ioctl with an int-sized in/out argument (FS_IOC_GETFLAGS/SETFLAGS take an `int *` in practice). */
export function ioctlFlags(fd: number, get: boolean, value = 0): number {
  const buf = new Int32Array([value]);
  const req = get ? FS_IOC_GETFLAGS : FS_IOC_SETFLAGS;
  sysCall("ioctl", [fd, req, new Uint8Array(buf.buffer)], {
    args: `fd=${fd}, ${get ? "FS_IOC_GETFLAGS" : "FS_IOC_SETFLAGS"}`,
    action: get ? "read the file flags" : "change the file flags",
  });
  return buf[0]!;
}

export const REBOOT_MAGIC = [LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2] as const;
