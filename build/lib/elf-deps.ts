/**
 * The library closure of src/install/library-closure.ts over this machine's files, or over another
 * architecture's unpacked Debian packages (a sysroot), as a merged-/usr Debian resolves them (/lib is /usr/lib).
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import {
  ARM64_LIBRARY_PATH,
  DEFAULT_LIBRARY_PATH,
  type LibraryFiles,
  type ResolvedLibrary,
  resolveLibraryClosure as resolve,
} from "../../src/install/library-closure.ts";

export { ARM64_LIBRARY_PATH, DEFAULT_LIBRARY_PATH, type ResolvedLibrary };
export { readElfInfo } from "../../src/install/elf-info.ts";

export function hostFiles(sysroot?: string): LibraryFiles {
  const host = (p: string) => (sysroot ? inSysroot(sysroot, p) : p);
  return {
    exists: (p) => existsSync(host(p)),
    realpath: (p) => realpathSync(host(p)),
    read: (p) => new Uint8Array(readFileSync(p)),
    describe: host,
  };
}

/** Every library `executable` needs, transitively, plus its interpreter; `sysroot` as in hostFiles(). */
export function resolveLibraryClosure(executable: string, searchPath = DEFAULT_LIBRARY_PATH, sysroot?: string): ResolvedLibrary[] {
  return resolve(executable, hostFiles(sysroot), searchPath);
}

/** `path` of the other system, under `sysroot`: /lib and /lib64 are read from /usr, as on a merged-/usr Debian. */
function inSysroot(sysroot: string, path: string): string {
  const merged = path.replace(/^\/(lib|lib64|bin|sbin)\//, "/usr/$1/");
  return join(sysroot, merged);
}
