/**
 * The Bun runtimes `bun build --compile` embeds, one per target architecture. The host's comes from its npm
 * dependency (package.json pins it, package-lock.json holds its integrity). Another architecture's package
 * cannot be an npm dependency (npm refuses to install a package for another CPU), so it is fetched with
 * `npm pack` at the version pinned here, checked against the integrity pinned here, and unpacked under
 * .cache/: the same package, never a download by Bun itself.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { CACHE_DIR, REPO_ROOT } from "./debian.ts";
import { run } from "./lib/run-command.ts";

export interface Runtime {
  /** `bun build --compile`'s target. */
  target: string;
  pkg: string;
  version: string;
  /** The npm integrity of the package's tarball (sha512), for packages fetched with `npm pack`. */
  integrity?: string;
}

export const RUNTIMES: Record<"x64" | "arm64", Runtime> = {
  x64: { target: "bun-linux-x64-baseline", pkg: "@oven/bun-linux-x64-baseline", version: "1.4.5" },
  arm64: {
    target: "bun-linux-arm64",
    pkg: "@oven/bun-linux-aarch64",
    version: "1.4.5",
    integrity: "sha512-4BXmsSKnjOrlGWqZV4x/oWa7AVoR+B6lCXddMzOAXBIm3t50eslg9wb66gmtW1AamEQ1l1CDvmmruysEhqOWMg==",
  },
};

/** The runtime executable for `arch`: from node_modules, or fetched and checked once into .cache/runtimes/. */
export async function runtimeExecutable(arch: "x64" | "arm64"): Promise<string> {
  const rt = RUNTIMES[arch];
  const installed = join(REPO_ROOT, "node_modules", rt.pkg, "bin", "bun");
  if (existsSync(installed)) return installed;
  if (!rt.integrity)
    throw new Error(`Cannot compile for ${arch}: the runtime "${installed}" is missing; run npm install (the package ${rt.pkg} is a dependency)`);
  const dir = join(CACHE_DIR, "runtimes", `${rt.pkg.replace("/", "+")}-${rt.version}`);
  const exe = join(dir, "package", "bin", "bun");
  if (existsSync(exe)) return exe;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { stdout } = await run(["npm", "pack", `${rt.pkg}@${rt.version}`, "--json", "--pack-destination", dir]);
  const [packed] = JSON.parse(stdout) as { filename: string; integrity: string }[];
  if (!packed) throw new Error(`Cannot fetch ${rt.pkg}@${rt.version}: npm pack printed no file`);
  const tarball = join(dir, packed.filename);
  const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  if (integrity !== rt.integrity) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `Cannot use ${rt.pkg}@${rt.version}: its tarball's integrity is ${integrity}, not the pinned ${rt.integrity}; check the npm registry configuration`,
    );
  }
  await run(["tar", "-xzf", tarball, "-C", dir]);
  rmSync(tarball);
  return exe;
}
