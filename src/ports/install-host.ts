/**
 * What `ukiboot install`, `update`, `remove` and `status` touch on a running system beyond the ports a boot
 * uses: the system's files (its kernel, modules, busybox, ukify and sbsign), the ESP written read-write, and
 * the programs that build and sign the boot image. src/linux/install-host.ts implements it.
 */

export interface ProgramResult {
  readonly code: number;
  /** Standard output as text, and as the bytes it was (a decompressor's output). */
  readonly stdout: string;
  readonly stdoutBytes: Uint8Array;
  readonly stderr: string;
}

export interface InstallHost {
  /** A file of this system, whole, or null when it does not exist. */
  readFile(path: string): Uint8Array | null;
  exists(path: string): boolean;
  /** The names in a directory, or none when it does not exist. */
  listDir(path: string): string[];
  /** The file `path` leads to, symlinks resolved. @throws Error when it does not exist */
  realpath(path: string): string;
  /** Free bytes for an unprivileged writer on the filesystem that holds `path`. */
  freeBytes(path: string): number;
  /** Writes through a temporary name in the same directory, synced, then renamed: the file is whole or absent. */
  writeFile(path: string, data: Uint8Array): void;
  /** Renames within one filesystem, making the target's directory first. */
  rename(from: string, to: string): void;
  /** Removes a file; a missing file is not an error. */
  remove(path: string): void;
  /** Removes a directory if it is empty, and says whether it did. */
  removeEmptyDir(path: string): boolean;
  /** A new private scratch directory, which `dropScratch` removes. */
  scratchDir(): string;
  dropScratch(dir: string): void;
  /** The path of the running ukiboot binary; null when ukiboot runs from its sources under bun. */
  selfPath(): string | null;
  /** `uname -r`. */
  kernelRelease(): string;
  /** The first of `names` found on PATH or as an absolute path, or null. */
  which(...names: string[]): string | null;
  /** Runs a program to its end; never throws for a non-zero exit. */
  run(argv: readonly string[], opts?: { env?: Record<string, string> }): Promise<ProgramResult>;
  /** The time, for the record. */
  now(): Date;
}
