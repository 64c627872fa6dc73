/**
 * The shared-library closure of an ELF executable, resolved along the loader's search path as ld.so would
 * (what dracut's inst_binary achieves with ldd, without running the binary).
 */
import { type ElfInfo, readElfInfo } from "./elf-info.ts";

/** How the closure sees files: paths as the executable's system names them; `hostPath` is what `realpath` gives. */
export interface LibraryFiles {
  exists(path: string): boolean;
  /** The file `path` leads to, symlinks resolved. */
  realpath(path: string): string;
  /** Reads the executable, or a file `realpath` returned. */
  read(path: string): Uint8Array;
  /** A directory as messages name it. */
  describe(path: string): string;
}

/** The loader's default directories on Debian x86_64 (ld.so.conf.d/x86_64-linux-gnu.conf plus the built-in ones). */
export const DEFAULT_LIBRARY_PATH = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"];

export interface ResolvedLibrary {
  /** The name the binary asks for (DT_NEEDED) or the interpreter path. */
  name: string;
  /** Where it lives on this machine (symlinks resolved). */
  hostPath: string;
  /** Where it must appear in the initramfs. */
  targetPath: string;
}

/** The loader's default directories on Debian arm64. */
export const ARM64_LIBRARY_PATH = ["/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib", "/usr/lib"];

/**
 * Every library the executable needs, transitively, plus its interpreter, looked up through `files` (this
 * machine's files, or another architecture's unpacked packages).
 * @throws Error naming the missing library when one cannot be found.
 */
export function resolveLibraryClosure(executable: string, files: LibraryFiles, searchPath = DEFAULT_LIBRARY_PATH): ResolvedLibrary[] {
  const out = new Map<string, ResolvedLibrary>();
  const queue: { file: string; info: ElfInfo }[] = [];
  const first = readElfInfo(files.read(executable), executable);
  if (first.interpreter) {
    out.set(first.interpreter, { name: first.interpreter, hostPath: files.realpath(first.interpreter), targetPath: first.interpreter });
  }
  queue.push({ file: executable, info: first });
  while (queue.length > 0) {
    const { file, info } = queue.shift()!;
    for (const lib of info.needed) {
      if ([...out.values()].some((l) => l.name === lib)) continue;
      const dirs = [...info.runpath, ...searchPath];
      const dir = dirs.find((d) => files.exists(`${d}/${lib}`));
      if (!dir) throw new Error(`Cannot find the library "${lib}" needed by "${file}" in ${dirs.map(files.describe).join(", ")}`);
      const path = `${dir}/${lib}`;
      const real = files.realpath(path);
      out.set(path, { name: lib, hostPath: real, targetPath: path });
      queue.push({ file: path, info: readElfInfo(files.read(real), path) });
    }
  }
  return [...out.values()];
}
