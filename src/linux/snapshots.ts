/**
 * Sealed copies of the files a boot verifies (docs/trust.md §4): each is copied once into a memfd that is
 * then sealed against writes, shrinking and growing, and from then on every read of that path, by the
 * filesystem view and by the kexec loader, reads the copy. A writer on the ESP can no longer change what
 * boots after it was checked. The copies live in the kernel's memory, not in ukiboot's: its peak RSS stays
 * flat in the UKI's size.
 */
import { availableParallelism } from "node:os";
import { closeSync, fstatSync, openSync } from "node:fs";
import { basename } from "node:path";
import type { DigestAlgorithm } from "../bytes/digest.ts";
import { AuthenticodeStream, type StreamedDigest } from "../trust/authenticode-stream.ts";
import { DigestThread } from "./digest-thread.ts";
import { closeFd, copyObserved, copyRangeAsync, memfdCreate, sealMemfd } from "./memfd.ts";

/**
 * From this size on an image is hashed on a second thread while it is copied, when there is a second CPU: below
 * it, the thread's start (about 6 ms, docs/boot-time.md §8) costs more than the overlap can save (hashing 8 MiB
 * takes about 4 ms).
 */
const THREAD_MIN_BYTES = 8 << 20;

export class SnapshotTable {
  private readonly copies = new Map<string, number>();
  private readonly thread: DigestThread;
  private readonly useThread: boolean;

  private readonly debug: (message: string) => void;

  constructor(opts: { thread?: DigestThread; useThread?: boolean; debug?: (message: string) => void } = {}) {
    this.thread = opts.thread ?? new DigestThread();
    this.useThread = opts.useThread ?? availableParallelism() > 1;
    this.debug = opts.debug ?? (() => {});
  }

  /** The path to read `path` at: its sealed copy when there is one. */
  resolve(path: string): string {
    const fd = this.copies.get(path);
    return fd === undefined ? path : `/proc/self/fd/${fd}`;
  }

  /** Why the second thread is no longer used, once it failed (ukiboot.debug reports it). */
  get threadFailure(): string | undefined {
    return this.thread.failed;
  }

  async take(paths: readonly string[], authenticode?: (path: string) => readonly DigestAlgorithm[] | undefined): Promise<Map<string, StreamedDigest>> {
    const digests = new Map<string, StreamedDigest>();
    for (const path of paths) {
      if (this.copies.has(path)) continue;
      const { fd, digest } = await this.sealedCopy(path, authenticode?.(path));
      this.copies.set(path, fd);
      if (digest) digests.set(path, digest);
    }
    return digests;
  }

  release(): void {
    for (const fd of this.copies.values()) closeFd(fd);
    this.copies.clear();
    this.thread.stop();
  }

  /**
   * A sealed memfd holding `path` as it was read. With `algorithms`, the bytes go through ukiboot's own buffers
   * and are hashed as an Authenticode image in the same pass: the digest of the copy, not of a second read of
   * the file. Without, the kernel copies them.
   */
  private async sealedCopy(path: string, algorithms: readonly DigestAlgorithm[] | undefined): Promise<{ fd: number; digest?: StreamedDigest }> {
    const name = `ukiboot-snapshot-${basename(path)}`;
    const fd = memfdCreate(name, { sealable: true });
    try {
      const inFd = openSync(path, "r");
      let digest: StreamedDigest | undefined;
      try {
        const size = fstatSync(inFd).size;
        if (!algorithms) await copyRangeAsync(inFd, 0, size, fd);
        else if (this.useThread && size >= THREAD_MIN_BYTES && !this.thread.failed) {
          digest = await this.thread.copy(inFd, size, fd, { algorithms, source: path });
          const failed = this.thread.failed;
          if (digest) this.debug(`"${path}" was hashed on a second thread while it was sealed`);
          else if (failed) this.debug(`the thread that hashes sealed copies failed (${failed}): "${path}" is hashed again from its copy`);
          else this.debug(`"${path}" cannot be hashed in one pass (its ranges are out of order): it is hashed again from its copy`);
        } else {
          const stream = new AuthenticodeStream(size, algorithms, { source: path });
          await copyObserved(inFd, size, fd, stream);
          digest = stream.result();
        }
      } finally {
        closeSync(inFd);
      }
      sealMemfd(fd, `the copy of "${path}"`);
      return { fd, ...(digest ? { digest } : {}) };
    } catch (e) {
      closeFd(fd);
      throw e;
    }
  }
}
