/**
 * What a build of dist/ was made from: the program's sources, the build's own code, the locked dependencies
 * and the options, hashed into one key and written beside the output when the build is whole. A test or a
 * benchmark compares keys, never file times: after `bun run build` without --modules, dist/ is newer than
 * every source and yet lacks the ESP drivers a QEMU boot needs.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { REPO_ROOT } from "./debian.ts";

/** The trees and files whose content makes the binary and the initramfs. */
const SOURCES = ["src", "ui", "initrd-hooks", "build", "package-lock.json", "bunfig.toml", "tsconfig.json"];

const STAMP = "build-stamp.json";

/** The build options that change the output (paths of input files are hashed by content). */
export interface StampOptions {
  arch: string;
  modulesDir?: string;
  initramfs: boolean;
  zstdLevel?: number;
  trust?: string[];
  allowRescueShell?: boolean;
  imageAnchors?: string[];
  tlsCas?: string[];
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  const out: string[] = [];
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The keys of a build with these options from the tree as it is now (16 hex digits each). */
export function buildKeys(opts: StampOptions): { binary: string; whole: string } {
  const bin = createHash("sha256");
  bin.update(JSON.stringify({ arch: opts.arch, allowRescueShell: opts.allowRescueShell ?? false }));
  for (const f of SOURCES.flatMap((s) => filesUnder(join(REPO_ROOT, s))).sort()) bin.update(`\0${relative(REPO_ROOT, f)}\0`).update(readFileSync(f));
  for (const f of opts.trust ?? []) bin.update("\0trust\0").update(readFileSync(f));
  const binary = bin.digest("hex").slice(0, 16);
  const whole = createHash("sha256").update(binary);
  const { trust: _t, imageAnchors, tlsCas, ...rest } = opts;
  whole.update(JSON.stringify(rest));
  for (const [what, files] of Object.entries({ imageAnchors, tlsCas })) for (const f of files ?? []) whole.update(`\0${what}\0`).update(readFileSync(f));
  // The kernel's modules come from a cache directory named by the kernel's version; its index says what is in it.
  if (opts.modulesDir && existsSync(join(opts.modulesDir, "modules.dep"))) whole.update(readFileSync(join(opts.modulesDir, "modules.dep")));
  return { binary, whole: whole.digest("hex").slice(0, 16) };
}

/** Forgets the stamp before a build starts, so a build that fails halfway is never taken as current. */
export function clearBuildStamp(outDir: string): void {
  rmSync(join(outDir, STAMP), { force: true });
}

/** Records that outDir now holds the build of `key`; written last, once every output is in place. */
export function writeBuildStamp(outDir: string, keys: { binary: string; whole: string }, opts: StampOptions): void {
  writeFileSync(join(outDir, STAMP), `${JSON.stringify({ ...keys, options: opts }, null, 2)}\n`);
}

/**
 * Whether outDir holds a whole build of exactly these options from the tree as it is now. A caller that
 * needs only the binary (opts.initramfs false) takes any build whose binary is the same.
 */
export function buildIsCurrent(outDir: string, opts: StampOptions): boolean {
  const path = join(outDir, STAMP);
  if (!existsSync(path)) return false;
  let stamp: { binary?: string; whole?: string };
  try {
    stamp = JSON.parse(readFileSync(path, "utf8")) as typeof stamp;
  } catch {
    return false;
  }
  const keys = buildKeys(opts);
  return opts.initramfs ? stamp.whole === keys.whole : stamp.binary === keys.binary;
}
