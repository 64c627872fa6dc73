/**
 * Anonymous memory files for the kernel and the merged initrd: no writable /tmp is needed, and a memfd we
 * wrote to does not trigger ETXTBSY in kexec_file_load (docs/kexec.md §2).
 */
import { closeSync, fstatSync, readSync, writeSync } from "node:fs";
import { SysCallError } from "../errors.ts";
import { cString, sysCall } from "./libc.ts";
import {
  F_ADD_SEALS,
  F_SEAL_GROW,
  F_SEAL_SEAL,
  F_SEAL_SHRINK,
  F_SEAL_WRITE,
  MAP_PRIVATE,
  MFD_ALLOW_SEALING,
  MFD_CLOEXEC,
  PROT_READ,
} from "./syscall-numbers.ts";

/** A memory file; `sealable` ones can be sealed against every later change (sealMemfd). */
export function memfdCreate(name: string, opts: { sealable?: boolean } = {}): number {
  const flags = opts.sealable ? MFD_CLOEXEC | MFD_ALLOW_SEALING : MFD_CLOEXEC;
  return sysCall("memfd_create", [cString(name), flags], {
    args: `"${name}", ${opts.sealable ? "MFD_CLOEXEC | MFD_ALLOW_SEALING" : "MFD_CLOEXEC"}`,
    action: `create the memory file "${name}"`,
    hints: { ENOMEM: "The machine is out of memory: close programs or boot with more memory" },
  });
}

export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done);
}

/** What takes a file's bytes chunk by chunk, in order; a chunk's buffer may be reused once `update` returns. */
export interface ByteSink {
  update(chunk: Uint8Array): void;
}

/** How copyRange moved the bytes, reported by benchmarks and debug logs. */
export type CopyMethod = "copy_file_range" | "sendfile" | "read/write";

const CHUNK = 8 << 20;

/**
 * Appends `length` bytes of `inFd` at `offset` to `outFd` (at its current position) without passing them
 * through JavaScript where the kernel allows: copy_file_range, then sendfile (vfat → memfd is cross-filesystem),
 * then 8 MiB read/write chunks.
 */
export function copyRange(
  inFd: number,
  offset: number,
  length: number,
  outFd: number,
  onProgress?: (n: number) => void,
  start: CopyMethod = "copy_file_range",
): CopyMethod {
  let method = start;
  let done = 0;
  const off = new BigInt64Array(1);
  while (done < length) {
    const want = Math.min(CHUNK, length - done);
    let n = -1;
    if (method === "copy_file_range" || method === "sendfile") {
      off[0] = BigInt(offset + done);
      try {
        n =
          method === "copy_file_range"
            ? sysCall("copy_file_range", [inFd, new Uint8Array(off.buffer), outFd, null, want, 0], { args: `in=${inFd}, out=${outFd}, len=${want}` })
            : sysCall("sendfile", [outFd, inFd, new Uint8Array(off.buffer), want], { args: `out=${outFd}, in=${inFd}, len=${want}` });
      } catch (e) {
        if (!(e instanceof SysCallError) || !["EXDEV", "EINVAL", "ENOSYS", "EOPNOTSUPP", "EBADF"].includes(e.errnoName)) throw e;
        method = method === "copy_file_range" ? "sendfile" : "read/write";
        continue;
      }
      if (n === 0) throw new Error(`Cannot copy ${length} bytes at offset ${offset}: the file ended after ${done} bytes`);
    } else {
      const buf = new Uint8Array(want);
      n = readSync(inFd, buf, 0, want, offset + done);
      if (n === 0) throw new Error(`Cannot copy ${length} bytes at offset ${offset}: the file ended after ${done} bytes`);
      writeAll(outFd, buf.subarray(0, n));
    }
    done += n;
    onProgress?.(n);
  }
  return method;
}

/**
 * copyRange in 8 MiB steps with a turn of the event loop between them, so a progress view can redraw while
 * a large kernel or initrd is copied from slow media. A method the kernel refused is not tried again for
 * each step.
 */
export async function copyRangeAsync(inFd: number, offset: number, length: number, outFd: number, onProgress?: (n: number) => void): Promise<CopyMethod> {
  let method: CopyMethod = "copy_file_range";
  for (let done = 0; done < length; ) {
    const n = Math.min(CHUNK, length - done);
    method = copyRange(inFd, offset + done, n, outFd, onProgress, method);
    done += n;
    await new Promise<void>((r) => setImmediate(r));
  }
  return method;
}

/**
 * The step of copyObserved: one buffer that stays in the CPU's cache between the read, the sink and the write.
 * (Writing on Bun's I/O thread while the sink hashes was no faster on a loaded two-CPU machine, and the thread
 * hand-offs cost more than they saved there.)
 */
const OBSERVED_CHUNK = 1 << 20;

/**
 * Copies the first `length` bytes of `inFd` to the start of `outFd` through one buffer, handing every chunk to
 * `sink` as well: the sink sees exactly the bytes written, each once and in order, in the same pass.
 * @throws Error when the file ends before `length` bytes, or the write fails
 */
export async function copyObserved(inFd: number, length: number, outFd: number, sink: ByteSink): Promise<void> {
  const buffer = new Uint8Array(Math.min(OBSERVED_CHUNK, length));
  for (let done = 0; done < length; ) {
    const chunk = buffer.subarray(0, Math.min(buffer.byteLength, length - done));
    readFully(inFd, chunk, done, length);
    sink.update(chunk);
    writeAll(outFd, chunk);
    done += chunk.byteLength;
    // A turn of the event loop now and then, as copyRangeAsync takes, so a progress view can redraw.
    if (done % CHUNK === 0) await new Promise<void>((r) => setImmediate(r));
  }
}

/** Fills `into` from `offset` of `fd`. @throws Error when the file ends first (`length` is the whole copy's). */
export function readFully(fd: number, into: Uint8Array, offset: number, length: number): void {
  for (let got = 0; got < into.byteLength; ) {
    const n = readSync(fd, into, got, into.byteLength - got, offset + got);
    if (n === 0) throw new Error(`Cannot copy ${length} bytes: the file ended after ${offset + got} bytes`);
    got += n;
  }
}

export function fdSize(fd: number): number {
  return fstatSync(fd).size;
}

/** Maps `size` bytes of `fd` read-only and returns their address, for a system call that takes a pointer. */
export function mapReadOnly(fd: number, size: number, what: string): number {
  return sysCall("mmap", [0, size, PROT_READ, MAP_PRIVATE, fd, 0], { args: `NULL, ${size}, PROT_READ, MAP_PRIVATE, fd=${fd}, 0`, action: `map ${what}` });
}

export function unmap(address: number, size: number): void {
  sysCall("munmap", [address, size], { args: `0x${address.toString(16)}, ${size}`, action: "unmap a memory file" });
}

export function closeFd(fd: number): void {
  closeSync(fd);
}

/** Seals a sealable memory file: from now on nobody, ukiboot included, can write, grow or shrink it (docs/trust.md §4). */
export function sealMemfd(fd: number, what: string): void {
  sysCall("fcntl", [fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL], {
    args: `memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL`,
    action: `seal ${what}`,
  });
}
