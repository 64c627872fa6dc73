/**
 * Shared set-up for the QEMU scenarios: the built artifacts (building them when missing), the Debian
 * parts, a wall-time record per scenario, and the standard retry on emulator faults, each retry listed.
 */
import { afterEach } from "bun:test";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBuilt } from "../../build/build.ts";
import { debianArm64Parts, debianParts, type DebianParts, ensureHostTools, REPO_ROOT } from "../../build/debian.ts";
import { ARM64_HOST_TOOLS } from "../lab/arm64-lab.ts";
import { startVm, type Vm, type VmOptions, withVmRetry } from "../lab/qemu.ts";

/** Per-test deadline for QEMU scenarios (a scenario may boot twice when the first boot hits an emulator fault). */
export const E2E_TIMEOUT_MS = 900_000;

export const INITRAMFS = join(REPO_ROOT, "dist", "initramfs.cpio.zst");
export const BINARY = join(REPO_ROOT, "dist", "ukiboot");

let ready: Promise<DebianParts> | undefined;

/**
 * Debian parts plus dist/ built with the Debian kernel's ESP modules. npm test builds first; a lone run of a
 * scenario builds here unless dist/ holds exactly that build of the tree as it is (build/build-stamp.ts), so
 * it never tests a stale binary, nor an image built without the drivers.
 */
export function e2eReady(): Promise<DebianParts> {
  ready ??= (async () => {
    const parts = await debianParts();
    await ensureBuilt({ modulesDir: parts.modulesDir });
    return parts;
  })();
  return ready;
}

let arm64Ready: Promise<void> | undefined;

/** The arm64 scenarios' parts: qemu-system-aarch64 and AAVMF on the host, and dist/arm64/ built with Debian's arm64 parts. */
export function e2eArm64Ready(): Promise<void> {
  arm64Ready ??= (async () => {
    await ensureHostTools(ARM64_HOST_TOOLS);
    await debianArm64Parts();
    await ensureBuilt({ arch: "arm64" });
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

/**
 * Where retried boots are listed, one JSON line each: the run's file when npm test runs the scenarios (it
 * prints them in its summary and fails a run with too many), else test/.tmp/retries.jsonl.
 */
const RETRIES = process.env.UKIBOOT_RETRY_LOG ?? join(REPO_ROOT, "test", ".tmp", "retries.jsonl");

/** Runs a scenario with one retry on an emulator fault, lists any retry, and records its wall time. */
export async function runScenario<T>(name: string, vmOptions: () => VmOptions, body: (vm: Vm) => Promise<T>): Promise<T> {
  const t0 = performance.now();
  mkdirSync(join(REPO_ROOT, "test", ".tmp"), { recursive: true });
  const result = await withVmRetry(() => startVm(vmOptions()), body, {
    log: (s) => console.warn(`[${name}] ${s}`),
    onRetry: (r) => appendFileSync(RETRIES, `${JSON.stringify({ name, ...r, at: new Date().toISOString() })}\n`),
  });
  const seconds = (performance.now() - t0) / 1000;
  appendFileSync(TIMES, `${JSON.stringify({ name, seconds: Number(seconds.toFixed(1)), at: new Date().toISOString() })}\n`);
  console.log(`[${name}] wall time ${seconds.toFixed(1)} s`);
  return result;
}
