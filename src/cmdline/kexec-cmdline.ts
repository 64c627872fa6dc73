/**
 * The command line as kexec_file_load(2) takes it: UTF-8, NUL-terminated, cmdline_len counting the NUL
 * (docs/kexec.md §2), and no longer than the kernel accepts.
 */
import { BootError } from "../errors.ts";

/**
 * COMMAND_LINE_SIZE − 1 on x86_64: the bzImage setup header's cmdline_size, which kexec-tools checks.
 * Other architectures and kernels differ; pass their limit explicitly.
 */
export const COMMAND_LINE_MAX_X86_64 = 2047;

/** A command line the kernel would cut or refuse. */
export class CmdlineTooLongError extends BootError {
  override name = "CmdlineTooLongError";
  constructor(
    readonly length: number,
    readonly limit: number,
  ) {
    super(
      `Cannot boot with this command line: it is ${length} bytes long and the kernel accepts at most ${limit}`,
      `Shorten it by ${length - limit} bytes: edit it (e), remove add-ons, or drop --append options`,
    );
  }
}

export function cmdlineByteLength(cmdline: string): number {
  return new TextEncoder().encode(cmdline).byteLength;
}

/**
 * Throws unless the UTF-8 bytes of `cmdline`, without the terminating NUL, fit in `limit`.
 * @throws CmdlineTooLongError naming the length and the limit
 */
export function checkCmdlineLength(cmdline: string, limit: number = COMMAND_LINE_MAX_X86_64): void {
  const length = cmdlineByteLength(cmdline);
  if (length > limit) throw new CmdlineTooLongError(length, limit);
}

export interface KexecCmdline {
  /** UTF-8 bytes followed by one NUL. */
  bytes: Uint8Array;
  /** The cmdline_len argument: bytes.length, the NUL included (the kernel returns EINVAL otherwise). */
  length: number;
}

/**
 * The buffer and length for kexec_file_load.
 * @throws BootError when the command line contains a NUL, which would silently cut it short
 * @example encodeKexecCmdline("quiet").length  // 6
 */
export function encodeKexecCmdline(cmdline: string): KexecCmdline {
  const nul = cmdline.indexOf("\0");
  if (nul >= 0) {
    throw new BootError(
      `Cannot pass the command line to the kernel: it contains a NUL character at position ${nul}`,
      "Remove the NUL character from the command line",
    );
  }
  const text = new TextEncoder().encode(cmdline);
  const bytes = new Uint8Array(text.byteLength + 1);
  bytes.set(text);
  return { bytes, length: bytes.byteLength };
}
