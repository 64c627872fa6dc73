/**
 * The read-only filesystem view the pure core is given (the ESP and XBOOTLDR are mounted read-only).
 * Discovery and planning see files only through this interface; src/linux/node-fs.ts implements it.
 */

export type FileKind = "file" | "dir" | "other";

export interface DirEntry {
  name: string;
  kind: FileKind;
}

export interface FileStat {
  kind: FileKind;
  size: number;
}

export interface ReadOnlyFs {
  /** The whole file. Use only for small files (configs, credentials); UKIs are read by range. */
  readFile(path: string): Promise<Uint8Array>;
  /** Up to `length` bytes at `offset` (fewer at end of file) with one positional read. */
  readRange(path: string, offset: number, length: number): Promise<Uint8Array>;
  /**
   * Optional: reads up to `into.length` bytes at `offset` into `into` and returns how many were read, so a whole
   * file can be hashed through one buffer and memory stays flat in the file's size.
   */
  readRangeInto?(path: string, offset: number, into: Uint8Array): Promise<number>;
  /** Entries of a directory, unsorted; symlinks are reported as what they point to. */
  readDir(path: string): Promise<DirEntry[]>;
  /** null when the path does not exist. */
  stat(path: string): Promise<FileStat | null>;
}

/** A filesystem that can load a range ahead of the reads that will need it (src/bls/caching-fs.ts). */
export interface PrefetchingFs extends ReadOnlyFs {
  prefetch(path: string, offset: number, length: number): Promise<void>;
}

export function canPrefetch(fs: ReadOnlyFs): fs is PrefetchingFs {
  return typeof (fs as Partial<PrefetchingFs>).prefetch === "function";
}
