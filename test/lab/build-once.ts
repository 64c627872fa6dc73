/**
 * Build once, cache, rename: every fixture tree and image of the lab is built into a fresh directory and
 * renamed into place only when whole, under a key that hashes what it is built from and the code that
 * builds it (the caller's module and every file it imports, followed through relative imports). A change to
 * either builds it anew; nothing is keyed by a hand-bumped version stamp. Two processes (the two lanes of QEMU
 * scenarios) may ask for the same build at once: one builds under a lock, the other waits and takes the result.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { CACHE_DIR, REPO_ROOT } from "../../build/debian.ts";
import { withDirLock, withDirLockSync } from "../../build/lib/dir-lock.ts";

export const LAB_CACHE = join(CACHE_DIR, "lab");

/** Files larger than this are identified by size and modification time (dist/ukiboot is over 100 MB). */
const HASH_CONTENT_MAX = 16 * 1024 * 1024;

/** A module and every module it imports by a relative path, transitively, in a stable order. */
function codeClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file) || !existsSync(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+\.tsx?)"/g)) visit(resolve(dirname(file), m[1]!));
  };
  visit(resolve(entry));
  return [...seen].sort();
}

export interface BuildSpec {
  /** What the output is built from besides files: settings, package versions, command lines (JSON). */
  inputs: unknown;
  /** The module that builds it (import.meta.path); its import closure is hashed into the key. */
  code: string;
  /** Input files whose content (or, for large ones, size and mtime) goes into the key. */
  files?: readonly string[];
  /** Only the newest build of this name is kept (one scenario, one image); otherwise every key has its own. */
  single?: boolean;
}

/** The cache key of a spec: 16 hex digits. */
export function buildKey(spec: BuildSpec): string {
  const h = createHash("sha256").update(JSON.stringify(spec.inputs) ?? "");
  for (const f of new Set([...codeClosure(spec.code), ...codeClosure(import.meta.path)])) h.update(`code ${relative(REPO_ROOT, f)}\0`).update(readFileSync(f));
  for (const f of spec.files ?? []) {
    const st = statSync(f);
    h.update(`file ${relative(REPO_ROOT, f)}\0`);
    if (st.size > HASH_CONTENT_MAX) h.update(`${st.size}:${st.mtimeMs}`);
    else h.update(readFileSync(f));
  }
  return h.digest("hex").slice(0, 16);
}

/** The directory for `name` and `spec`, and whether it is built already. */
function place(name: string, spec: BuildSpec): { dir: string; key: string; built: boolean } {
  const key = buildKey(spec);
  const dir = join(LAB_CACHE, `${name}-${key}`);
  return { dir, key, built: existsSync(dir) };
}

/** Moves the scratch build into place; with `single`, removes the older builds of the same name. */
function settle(name: string, spec: BuildSpec, key: string, scratch: string, dir: string): void {
  renameSync(scratch, dir);
  if (!spec.single) return;
  const own = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-[0-9a-f]{16}$`);
  for (const old of readdirSync(LAB_CACHE)) if (old !== `${name}-${key}` && own.test(old)) rmSync(join(LAB_CACHE, old), { recursive: true, force: true });
}

function scratchFor(dir: string): string {
  mkdirSync(LAB_CACHE, { recursive: true });
  const scratch = `${dir}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  return scratch;
}

/**
 * The directory `.cache/lab/<name>-<key>`, built by `build` into a scratch directory first when it is not
 * there yet. With `single`, older builds of the same name are removed once the new one is in place.
 */
export async function buildOnce(name: string, spec: BuildSpec, build: (dir: string) => Promise<void>): Promise<string> {
  const { dir, key, built } = place(name, spec);
  if (built) return dir;
  mkdirSync(LAB_CACHE, { recursive: true });
  return withDirLock(`${dir}.lock`, `${name} (${key})`, async () => {
    // Built by the process that held the lock before this one.
    if (existsSync(dir)) return dir;
    const scratch = scratchFor(dir);
    try {
      await build(scratch);
      settle(name, spec, key, scratch, dir);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    return dir;
  });
}

/** buildOnce for builds that must stay synchronous (fixtures made inside test.each tables). */
export function buildOnceSync(name: string, spec: BuildSpec, build: (dir: string) => void): string {
  const { dir, key, built } = place(name, spec);
  if (built) return dir;
  mkdirSync(LAB_CACHE, { recursive: true });
  return withDirLockSync(`${dir}.lock`, `${name} (${key})`, () => {
    if (existsSync(dir)) return dir;
    const scratch = scratchFor(dir);
    try {
      build(scratch);
      settle(name, spec, key, scratch, dir);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    return dir;
  });
}
