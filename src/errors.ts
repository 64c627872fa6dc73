/**
 * Error classes shared by the whole program, and the errno name table.
 * Messages follow one form: "Cannot <action> <object>: <current state>", values quoted, offsets in hex.
 */

/** Which byte or text format a FormatError is about. */
export type FormatName =
  | "bmp"
  | "proc-consoles"
  | "fb-screeninfo"
  | "pe"
  | "uki"
  | "addon"
  | "bls"
  | "loader.conf"
  | "os-release"
  | "profile"
  | "cpio"
  | "initrd"
  | "gpt"
  | "elf"
  | "kernel"
  | "efivar"
  | "pkcs7"
  | "tpm"
  | "cmdline"
  | "boot-index"
  | "fdt"
  | "iomem"
  | "proc-modules"
  | "guid"
  | "load-option"
  | "install-record"
  | "sealed-secret";

/** A read past the end of a buffer; parsers turn it into a FormatError with context. */
export class BoundsError extends RangeError {
  override name = "BoundsError";
  constructor(
    readonly offset: number,
    readonly length: number,
    readonly size: number,
  ) {
    super(`Cannot read ${length} bytes at ${hex(offset)}: the data ends at ${hex(size)}`);
  }
}

/** Input that does not follow its format. Thrown by parsers; callers turn it into a problem report. */
export class FormatError extends SyntaxError {
  override name = "FormatError";
  readonly format: FormatName;
  readonly source: string;
  readonly offset: number | undefined;
  readonly line: number | undefined;
  constructor(format: FormatName, source: string, message: string, opts: { offset?: number; line?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.format = format;
    this.source = source;
    this.offset = opts.offset;
    this.line = opts.line;
  }
}

/** A condition a person at the console can act on; `hint` says what to do next. */
export class BootError extends Error {
  override name = "BootError";
  constructor(
    message: string,
    readonly hint: string,
    opts: { cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
  }
}

/** A failed system call, named with its arguments and errno, with a sentence a person can act on. */
export class SysCallError extends BootError {
  override name = "SysCallError";
  readonly errnoName: string;
  constructor(
    readonly syscall: string,
    readonly args: string,
    readonly errno: number,
    opts: { action?: string; hint?: string; cause?: unknown } = {},
  ) {
    const name = errnoName(errno);
    const call = `${syscall}(${args}) failed with ${name} (${errnoText(errno)})`;
    super(opts.action ? `Cannot ${opts.action}: ${call}` : call, opts.hint ?? "", opts);
    this.errnoName = name;
  }
}

export function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}

/** Linux errno values (asm-generic, identical on x86_64 and arm64) with their names and glibc texts. */
const ERRNO: Record<number, [string, string]> = {
  1: ["EPERM", "Operation not permitted"],
  2: ["ENOENT", "No such file or directory"],
  3: ["ESRCH", "No such process"],
  4: ["EINTR", "Interrupted system call"],
  5: ["EIO", "Input/output error"],
  6: ["ENXIO", "No such device or address"],
  7: ["E2BIG", "Argument list too long"],
  8: ["ENOEXEC", "Exec format error"],
  9: ["EBADF", "Bad file descriptor"],
  11: ["EAGAIN", "Resource temporarily unavailable"],
  12: ["ENOMEM", "Cannot allocate memory"],
  13: ["EACCES", "Permission denied"],
  14: ["EFAULT", "Bad address"],
  16: ["EBUSY", "Device or resource busy"],
  17: ["EEXIST", "File exists"],
  18: ["EXDEV", "Invalid cross-device link"],
  19: ["ENODEV", "No such device"],
  20: ["ENOTDIR", "Not a directory"],
  21: ["EISDIR", "Is a directory"],
  22: ["EINVAL", "Invalid argument"],
  24: ["EMFILE", "Too many open files"],
  25: ["ENOTTY", "Inappropriate ioctl for device"],
  26: ["ETXTBSY", "Text file busy"],
  27: ["EFBIG", "File too large"],
  28: ["ENOSPC", "No space left on device"],
  30: ["EROFS", "Read-only file system"],
  36: ["ENAMETOOLONG", "File name too long"],
  38: ["ENOSYS", "Function not implemented"],
  61: ["ENODATA", "No data available"],
  65: ["ENOPKG", "Package not installed"],
  74: ["EBADMSG", "Bad message"],
  80: ["ELIBBAD", "Accessing a corrupted shared library"],
  90: ["EMSGSIZE", "Message too long"],
  95: ["EOPNOTSUPP", "Operation not supported"],
  99: ["EADDRNOTAVAIL", "Cannot assign requested address"],
  110: ["ETIMEDOUT", "Connection timed out"],
  126: ["ENOKEY", "Required key not available"],
  129: ["EKEYREJECTED", "Key was rejected by service"],
};

export function errnoName(errno: number): string {
  return ERRNO[errno]?.[0] ?? `errno ${errno}`;
}

export function errnoText(errno: number): string {
  return ERRNO[errno]?.[1] ?? "unknown error";
}

export function errnoByName(name: string): number | undefined {
  for (const [n, [nm]] of Object.entries(ERRNO)) if (nm === name) return Number(n);
  return undefined;
}

/** One line for the console: the message, then the hint when there is one. Stacks go to the log only. */
export function formatError(err: unknown): string {
  if (err instanceof BootError) return err.hint ? `${err.message}\n  ${err.hint}` : err.message;
  if (err instanceof FormatError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
