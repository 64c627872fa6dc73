/**
 * Shared set-up for the QEMU scenarios: the built artifacts (building them when missing), the Debian
 * parts, a wall-time record per scenario for the README, and the standard retry on emulator faults.
 */
import { afterEach } from "bun:test";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "../../build/build.ts";
import { debianArm64Parts, debianParts, type DebianParts, ensureHostTools, REPO_ROOT } from "../../build/debian.ts";
import { ARM64_HOST_TOOLS, ARM64_INITRAMFS } from "../lab/arm64-lab.ts";
import { startVm, type Vm, type VmOptions, withVmRetry } from "../lab/qemu.ts";

/** Per-test deadline for QEMU scenarios (a scenario may boot twice when the first boot hits an emulator fault). */
export const E2E_TIMEOUT_MS = 900_000;

export const INITRAMFS = join(REPO_ROOT, "dist", "initramfs.cpio.zst");
export const BINARY = join(REPO_ROOT, "dist", "ukiboot");

let ready: Promise<DebianParts> | undefined;

/** The newest modification time of the files that go into dist/ (the program, the UI, the shim, the build). */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ["src", "ui", "initrd-hooks", "build"]) walk(join(REPO_ROOT, d));
  return newest;
}

/**
 * Debian parts plus dist/ built with the Debian kernel's ESP modules. npm test builds first; a lone run of a
 * scenario builds here when dist/ is missing or older than the sources, so it never tests a stale binary.
 */
export function e2eReady(): Promise<DebianParts> {
  ready ??= (async () => {
    const parts = await debianParts();
    const stale = !existsSync(INITRAMFS) || !existsSync(BINARY) || statSync(INITRAMFS).mtimeMs < newestSource();
    if (stale) await build({ modulesDir: parts.modulesDir });
    return parts;
  })();
  return ready;
}

const ARM64_BINARY = join(REPO_ROOT, "dist", "arm64", "ukiboot");
let arm64Ready: Promise<void> | undefined;

/**
 * The arm64 scenarios' parts (issue 17): qemu-system-aarch64 and AAVMF on the host, and dist/arm64/ built
 * with Debian's arm64 parts when it is missing or older than the sources.
 */
export function e2eArm64Ready(): Promise<void> {
  arm64Ready ??= (async () => {
    await ensureHostTools(ARM64_HOST_TOOLS);
    await debianArm64Parts();
    const stale = !existsSync(ARM64_INITRAMFS) || !existsSync(ARM64_BINARY) || statSync(ARM64_INITRAMFS).mtimeMs < newestSource();
    if (stale) await build({ arch: "arm64" });
  })();
  return arm64Ready;
}

/**
 * Scratch directories for one test's disk copies (hundreds of MiB each), removed after that test so a file's
 * scenarios never hold them all at once. Call once at a test file's top level; it registers the afterEach.
 */
export function perTestScratch(): (prefix: string) => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return (prefix) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

const TIMES = join(REPO_ROOT, "test", ".tmp", "e2e-times.jsonl");

/** The whole console of a boot, kept in test/.tmp/<name>.console.log for reading after a failure. */
export function keepConsole(name: string, output: string): void {
  mkdirSync(join(REPO_ROOT, "test", ".tmp"), { recursive: true });
  writeFileSync(join(REPO_ROOT, "test", ".tmp", `${name}.console.log`), output);
}

/** Runs a scenario with one retry on an emulator fault, and records its wall time. */
export async function runScenario<T>(name: string, vmOptions: () => VmOptions, body: (vm: Vm) => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await withVmRetry(() => startVm(vmOptions()), body, { log: (s) => console.warn(`[${name}] ${s}`) });
  const seconds = (performance.now() - t0) / 1000;
  mkdirSync(join(REPO_ROOT, "test", ".tmp"), { recursive: true });
  appendFileSync(TIMES, `${JSON.stringify({ name, seconds: Number(seconds.toFixed(1)), at: new Date().toISOString() })}\n`);
  console.log(`[${name}] wall time ${seconds.toFixed(1)} s`);
  return result;
}
