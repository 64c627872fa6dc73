/**
 * A read-through cache over a ReadOnlyFs for one discovery pass: directory listings and stats are read
 * once, and range reads are served from earlier reads of the same file (the header read, or a prefetch of
 * the span that holds a UKI's small text sections), so listing a UKI costs two reads instead of five.
 */
import type { DirEntry, FileStat, PrefetchingFs, ReadOnlyFs } from "../ports/fs.ts";

/** Windows kept at once: discovery reads one file's ranges one after the other. */
const MAX_WINDOWS = 8;
/** Reads larger than this bypass the cache (they are section contents being hashed or copied). */
const CACHE_MAX = 1024 * 1024;

export class CachingFs implements PrefetchingFs {
  private readonly dirs = new Map<string, Promise<DirEntry[]>>();
  private readonly stats = new Map<string, Promise<FileStat | null>>();
  private readonly windows = new Map<string, { offset: number; bytes: Uint8Array }>();

  constructor(private readonly inner: ReadOnlyFs) {}

  readFile(path: string): Promise<Uint8Array> {
    return this.inner.readFile(path);
  }

  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    const w = this.windows.get(path);
    if (w && offset >= w.offset && offset + length <= w.offset + w.bytes.byteLength) {
      return w.bytes.subarray(offset - w.offset, offset - w.offset + length);
    }
    const bytes = await this.inner.readRange(path, offset, length);
    if (length <= CACHE_MAX) this.remember(path, offset, bytes);
    return bytes;
  }

  async prefetch(path: string, offset: number, length: number): Promise<void> {
    this.remember(path, offset, await this.inner.readRange(path, offset, length));
  }

  private remember(path: string, offset: number, bytes: Uint8Array): void {
    this.windows.delete(path);
    this.windows.set(path, { offset, bytes });
    if (this.windows.size > MAX_WINDOWS) this.windows.delete(this.windows.keys().next().value!);
  }

  readDir(path: string): Promise<DirEntry[]> {
    let p = this.dirs.get(path);
    if (!p) {
      p = this.inner.readDir(path);
      this.dirs.set(path, p);
    }
    return p;
  }

  stat(path: string): Promise<FileStat | null> {
    let p = this.stats.get(path);
    if (!p) {
      p = this.inner.stat(path);
      this.stats.set(path, p);
    }
    return p;
  }
}
