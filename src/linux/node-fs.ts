/**
 * ReadOnlyFs over node:fs with positional reads, so a 100 MB UKI costs a few KiB to list. The calls are
 * synchronous under the promise interface: each is a short read from the page cache or a FAT partition,
 * and Bun's asynchronous file calls cost several times more than the reads themselves (listing 250
 * entries took 170 ms asynchronously, 30 ms synchronously).
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import type { DirEntry, FileKind, FileStat, ReadOnlyFs } from "../ports/fs.ts";

function kindOf(s: { isFile(): boolean; isDirectory(): boolean }): FileKind {
  return s.isFile() ? "file" : s.isDirectory() ? "dir" : "other";
}

/** Up to `length` bytes at `offset` of a file or device, with positional reads (fewer at its end). */
export function readRangeSync(path: string, offset: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  return buf.subarray(0, readRangeIntoSync(path, offset, buf));
}

/** Fills `into` from `offset` (less at end of file); returns how many bytes were read. */
function readRangeIntoSync(path: string, offset: number, into: Uint8Array): number {
  const fd = openSync(path, "r");
  try {
    let got = 0;
    while (got < into.length) {
      const n = readSync(fd, into, got, into.length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  } finally {
    closeSync(fd);
  }
}

export class NodeFs implements ReadOnlyFs {
  /** `resolve` maps a path to where it is read: its sealed copy once one was taken (snapshots.ts). */
  constructor(private readonly resolve: (path: string) => string = (path) => path) {}

  async readFile(path: string): Promise<Uint8Array> {
    return new Uint8Array(readFileSync(this.resolve(path)));
  }

  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    return readRangeSync(this.resolve(path), offset, length);
  }

  async readRangeInto(path: string, offset: number, into: Uint8Array): Promise<number> {
    return readRangeIntoSync(this.resolve(path), offset, into);
  }

  async readDir(path: string): Promise<DirEntry[]> {
    const out: DirEntry[] = [];
    for (const e of readdirSync(path, { withFileTypes: true })) {
      let kind: FileKind = kindOf(e);
      if (e.isSymbolicLink()) {
        try {
          kind = kindOf(statSync(`${path}/${e.name}`));
        } catch {
          kind = "other";
        }
      }
      out.push({ name: e.name, kind });
    }
    return out;
  }

  async stat(path: string): Promise<FileStat | null> {
    try {
      const s = statSync(this.resolve(path));
      return { kind: kindOf(s), size: s.size };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return null;
      throw e;
    }
  }
}
