/** The shared-library closure of executables, resolved inside unpacked Debian package trees (no ld.so.cache). */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join, posix } from "node:path";
import { readElfInfo } from "../../../build/lib/elf-deps.ts";
import type { InitramfsTree } from "../../../src/initrd/initramfs-tree.ts";

/** A file of one unpacked package tree, by its path inside the tree. */
export interface PackageFile {
  tree: string;
  path: string;
}

/** Finds `path` (relative, e.g. "usr/lib/x86_64-linux-gnu/libc.so.6") in the first package tree holding it. */
export function locate(trees: string[], path: string): PackageFile | undefined {
  for (const tree of trees) if (existsSync(join(tree, path))) return { tree, path };
  return undefined;
}

/** The directories ld.so searches on Debian x86_64 without an ld.so.cache, as paths inside the trees. */
const LIBRARY_DIRS = ["usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu", "usr/lib64", "usr/lib"];

/**
 * The shared-library closure of `roots` (paths inside the trees), resolved along each object's RUNPATH
 * and the loader's default directories, as paths inside the trees.
 */
export function libraryClosure(trees: string[], roots: PackageFile[]): Map<string, PackageFile> {
  const out = new Map<string, PackageFile>();
  const queue = [...roots];
  while (queue.length > 0) {
    const file = queue.shift()!;
    const real = realpathSync(join(file.tree, file.path));
    const info = readElfInfo(new Uint8Array(readFileSync(real)), join(file.tree, file.path));
    for (const lib of info.needed) {
      if (out.has(lib)) continue;
      const dirs = [...info.runpath.map((d) => d.replace(/^\/+/, "")), ...LIBRARY_DIRS];
      const found = dirs.map((d) => locate(trees, posix.join(d, lib))).find((f) => f !== undefined);
      if (!found)
        throw new Error(`Cannot find the library "${lib}" needed by "${file.path}" in the packages ${trees.map((t) => t.split("/").at(-1)).join(", ")}`);
      out.set(lib, found);
      queue.push(found);
    }
  }
  return out;
}

/** Adds a package file as a regular file at its own path (symlinks followed, so sonames carry the bytes). */
export function addFile(tree: InitramfsTree, f: PackageFile, mode = 0o755): void {
  tree.add({ type: "file", path: f.path, data: new Uint8Array(readFileSync(realpathSync(join(f.tree, f.path)))), mode });
}
