/**
 * `npm test`: installs what is missing, builds dist/ (binary and initramfs with the Debian kernel's ESP
 * modules), runs the typecheck, the unit and UI tests, then the QEMU scenarios, and ends with one line
 * `N passed, N failed` summed over everything it ran.
 * `npm test -- --unit` runs only the typecheck and the unit/UI tests.
 */
import { mkdtempSync, rmSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "../build/build.ts";
import { debianParts, ensureHostTools, REPO_ROOT } from "../build/debian.ts";

interface Tally {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
}

const tallies: Tally[] = [];
const unitOnly = Bun.argv.includes("--unit");

// What the QEMU scenarios need on a fresh clone: the lab's images under .cache/ (about 12 GiB) and each
// scenario's disk copies (up to 2 GiB at a time).
const NEEDED_GIB = 20;
const freeGiB = (path: string) => {
  const s = statfsSync(path);
  return (s.bavail * s.bsize) / 2 ** 30;
};
for (const [what, path] of [["the checkout (.cache/)", REPO_ROOT], ["the temporary directory", tmpdir()]] as const) {
  const free = freeGiB(path);
  if (!unitOnly && free < NEEDED_GIB) {
    console.log(`ukiboot: only ${free.toFixed(1)} GiB free for ${what} at ${path}; the QEMU scenarios need about ${NEEDED_GIB} GiB: free some space (old /tmp/ukiboot-* directories?) or tests will fail on a full disk`);
  }
}

// Every step's scratch files go under one directory, removed at the end even when a step crashed.
const runScratch = mkdtempSync(join(tmpdir(), "ukiboot-run-"));
process.env.TMPDIR = runScratch;

async function step(name: string, cmd: string[], opts: { counts: "bun-test" | "exit-code"; env?: Record<string, string> }): Promise<void> {
  const t0 = performance.now();
  console.log(`\n=== ${name}: ${cmd.join(" ")}`);
  const proc = Bun.spawn(cmd, { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, ...opts.env } });
  let text = "";
  const pump = async (s: ReadableStream<Uint8Array>, to: NodeJS.WriteStream) => {
    const dec = new TextDecoder();
    for await (const c of s) {
      const t = dec.decode(c, { stream: true });
      text += t;
      to.write(t);
    }
  };
  await Promise.all([pump(proc.stdout, process.stdout), pump(proc.stderr, process.stderr)]);
  const code = await proc.exited;
  const seconds = (performance.now() - t0) / 1000;
  if (opts.counts === "exit-code") {
    tallies.push({ name, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, skipped: 0, seconds });
    return;
  }
  const num = (re: RegExp) => Number(text.match(re)?.[1] ?? 0);
  const passed = num(/^\s*(\d+) pass$/m);
  let failed = num(/^\s*(\d+) fail$/m);
  const skipped = num(/^\s*(\d+) skip$/m);
  // A crash before the summary (or an error outside any test) must not count as a pass.
  if (code !== 0 && failed === 0) failed = 1;
  tallies.push({ name, passed, failed, skipped, seconds });
}

try {
  await ensureHostTools({
    programs: { tmux: "tmux", sbsign: "sbsigntool", swtpm: "swtpm", swtpm_setup: "swtpm-tools", tpm2_pcrread: "tpm2-tools", bsdtar: "libarchive-tools", lz4: "lz4", openssl: "openssl", "hash-to-efi-sig-list": "efitools", mkinitramfs: "initramfs-tools", lzop: "lzop", bzip2: "bzip2", shellcheck: "shellcheck", checkbashisms: "devscripts", python3: "python3", busybox: "busybox", mmdebstrap: "mmdebstrap", cryptsetup: "cryptsetup-bin", "mkfs.ext4": "e2fsprogs" },
  });
  const parts = await debianParts();
  console.log("=== build: dist/ukiboot and dist/initramfs.cpio.zst");
  const t0 = performance.now();
  await build({ modulesDir: parts.modulesDir });
  tallies.push({ name: "build", passed: 1, failed: 0, skipped: 0, seconds: (performance.now() - t0) / 1000 });
} catch (e) {
  console.error(`ukiboot: cannot prepare the tests: ${(e as Error).message}`);
  tallies.push({ name: "build", passed: 0, failed: 1, skipped: 0, seconds: 0 });
}

const bun = process.execPath;
await step("typecheck", [bun, "x", "tsc", "-p", ".", "--noEmit"], { counts: "exit-code" });
// A generous deadline: on a fresh clone the first tests build their fixtures with ukify, sbsign and swtpm.
await step("unit and UI tests", [bun, "test", "--timeout", "300000", "./test/unit", "./test/ui"], { counts: "bun-test" });
if (!unitOnly) {
  await step("QEMU scenarios", [bun, "test", "--timeout", "900000", "./test/e2e"], { counts: "bun-test", env: { UKIBOOT_E2E: "1" } });
}

console.log("\n=== summary");
for (const t of tallies) {
  console.log(`${t.name.padEnd(20)} ${String(t.passed).padStart(5)} passed ${String(t.failed).padStart(4)} failed ${t.skipped ? `${t.skipped} skipped ` : ""}(${t.seconds.toFixed(1)} s)`);
}
const passed = tallies.reduce((s, t) => s + t.passed, 0);
// npm test installs every tool a test needs, so a skipped test means an install step is missing: it counts
// as failed here rather than letting a green line hide what did not run.
const skipped = tallies.reduce((s, t) => s + t.skipped, 0);
if (skipped > 0) console.log(`${skipped} skipped test(s) count as failed: a tool they need was not installed (see "(skip)" above)`);
const failed = tallies.reduce((s, t) => s + t.failed, 0) + skipped;
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
rmSync(runScratch, { recursive: true, force: true });
