/**
 * Sealed copies of the files a boot verifies (docs/trust.md §4): each is copied once into a memfd that is
 * then sealed against writes, shrinking and growing, and from then on every read of that path, by the
 * filesystem view and by the kexec loader, reads the copy. A writer on the ESP can no longer change what
 * boots after it was checked. The copies live in the kernel's memory, not in ukiboot's: its peak RSS stays
 * flat in the UKI's size.
 */
import { closeSync, fstatSync, openSync } from "node:fs";
import { basename } from "node:path";
import type { ByteSink } from "../ports/sys.ts";
import { closeFd, copyObserved, copyRangeAsync, memfdCreate, sealMemfd } from "./memfd.ts";

export class SnapshotTable {
  private readonly copies = new Map<string, number>();

  /** The path to read `path` at: its sealed copy when there is one. */
  resolve(path: string): string {
    const fd = this.copies.get(path);
    return fd === undefined ? path : `/proc/self/fd/${fd}`;
  }

  async take(paths: readonly string[], observe?: (path: string, size: number) => ByteSink | undefined): Promise<void> {
    for (const path of paths) {
      if (this.copies.has(path)) continue;
      this.copies.set(path, await sealedCopy(path, observe));
    }
  }

  release(): void {
    for (const fd of this.copies.values()) closeFd(fd);
    this.copies.clear();
  }
}

/**
 * A sealed memfd holding `path` as it was read. With a sink from `observe`, the bytes go through ukiboot's own
 * buffers so the sink gets the very bytes written into the copy, in the same pass (a hash of the copy, not of
 * a second read of the file); without one, the kernel copies them.
 */
async function sealedCopy(path: string, observe?: (path: string, size: number) => ByteSink | undefined): Promise<number> {
  const name = `ukiboot-snapshot-${basename(path)}`;
  const fd = memfdCreate(name, { sealable: true });
  try {
    const inFd = openSync(path, "r");
    try {
      const size = fstatSync(inFd).size;
      const sink = observe?.(path, size);
      if (sink) await copyObserved(inFd, size, fd, sink);
      else await copyRangeAsync(inFd, 0, size, fd);
    } finally {
      closeSync(inFd);
    }
    sealMemfd(fd, `the copy of "${path}"`);
    return fd;
  } catch (e) {
    closeFd(fd);
    throw e;
  }
}
