/**
 * `npm test`: runs the typecheck, the format check and the unit and UI tests (which need nothing but Bun),
 * installs what is missing, builds dist/ (binary and initramfs with the Debian kernel's ESP modules), runs
 * the integration tests against the real tools, builds the fixtures the QEMU scenario files share, then runs
 * those files in two lanes at once, and ends with one line `N passed, N failed` summed over everything it
 * ran. Options:
 *   --unit            only the typecheck, the format check and the unit/UI tests: no apt, no build
 *   --lane a|b        only that lane of QEMU scenarios (after the build and the shared fixtures)
 *   --e2e FILE…       only these QEMU scenario files, one lane
 *   --lanes N         N lanes instead of 2 (1: one after another)
 *   --record-times    write each scenario file's wall time to test/e2e-times.json, which balances the lanes
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { ensureBuilt } from "../build/build.ts";
import { debianParts, ensureHostTools, REPO_ROOT } from "../build/debian.ts";
import { bunTestCounts, bunTestFailures, type Lane, parseFileTimes, planLanes } from "./support/lanes.ts";

const { values: args, positionals } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    unit: { type: "boolean" },
    lane: { type: "string" },
    e2e: { type: "boolean" },
    lanes: { type: "string" },
    "record-times": { type: "boolean" },
  },
  allowPositionals: true,
});

interface Tally {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
}

const tallies: Tally[] = [];
/** Every failure by name, repeated in the summary: a run's last lines may be all a reader gets to see. */
const failures: string[] = [];
const unitOnly = Boolean(args.unit);
const e2eOnly = Boolean(args.lane || args.e2e);

/** bunfig.toml keeps `bun test` to the unit and UI tests; this lets a step name integration and scenario files. */
const ALL_PATHS = "--path-ignore-patterns=node_modules/**";
/** The tracked wall time of each scenario file, which balances the lanes. */
const TIMES_FILE = join(REPO_ROOT, "test", "e2e-times.json");
/** Retries beyond this many in one run fail the run: an emulator that faults that often hides real faults. */
const MAX_RETRIES = 2;
/** What one lane's guest needs at most: QEMU's 2 GiB guest, QEMU itself, and a swtpm. */
const LANE_MEMORY_GIB = 2.75;

// What the QEMU scenarios need on a fresh clone: the lab's images under .cache/ (about 12 GiB) and each
// scenario's disk copies (up to 2 GiB at a time in each lane).
const NEEDED_GIB = 22;
const freeGiB = (path: string) => {
  const s = statfsSync(path);
  return (s.bavail * s.bsize) / 2 ** 30;
};
for (const [what, path] of [
  ["the checkout (.cache/)", REPO_ROOT],
  ["the temporary directory", tmpdir()],
] as const) {
  const free = freeGiB(path);
  if (!unitOnly && free < NEEDED_GIB) {
    console.log(
      `ukiboot: only ${free.toFixed(1)} GiB free for ${what} at ${path}; the QEMU scenarios need about ${NEEDED_GIB} GiB: free some space (old /tmp/ukiboot-* directories?) or tests will fail on a full disk`,
    );
  }
}

// Every step's scratch files go under one directory, removed at the end even when a step crashed.
const runScratch = mkdtempSync(join(tmpdir(), "ukiboot-run-"));
process.env.TMPDIR = runScratch;
const retryLog = join(runScratch, "retries.jsonl");

/** Runs a command to its end; its output is printed live, or whole at the end when `buffered`. */
async function runCommand(
  cmd: string[],
  opts: { env?: Record<string, string>; buffered?: boolean } = {},
): Promise<{ code: number; text: string; seconds: number }> {
  const t0 = performance.now();
  const proc = Bun.spawn(cmd, { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, ...opts.env } });
  let text = "";
  const pump = async (s: ReadableStream<Uint8Array>, to: NodeJS.WriteStream) => {
    const dec = new TextDecoder();
    for await (const c of s) {
      const t = dec.decode(c, { stream: true });
      text += t;
      if (!opts.buffered) to.write(t);
    }
  };
  await Promise.all([pump(proc.stdout, process.stdout), pump(proc.stderr, process.stderr)]);
  const code = await proc.exited;
  return { code, text, seconds: (performance.now() - t0) / 1000 };
}

async function step(name: string, cmd: string[], opts: { counts: "bun-test" | "exit-code"; env?: Record<string, string>; buffered?: boolean }): Promise<void> {
  if (!opts.buffered) console.log(`\n=== ${name}: ${cmd.join(" ")}`);
  const { code, text, seconds } = await runCommand(cmd, { ...(opts.env ? { env: opts.env } : {}), ...(opts.buffered ? { buffered: true } : {}) });
  // A step run beside another prints its output whole when it ends, so the two never interleave.
  if (opts.buffered) console.log(`\n=== ${name}: ${cmd.join(" ")} (${seconds.toFixed(1)} s)\n${text}`);
  if (opts.counts === "exit-code") {
    tallies.push({ name, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, skipped: 0, seconds });
    if (code !== 0) failures.push(`${name}: exit code ${code}`);
    return;
  }
  const c = bunTestCounts(text);
  if (code !== 0) for (const f of bunTestFailures(text).concat(c.failed === 0 ? [`exit code ${code}`] : [])) failures.push(`${name}: ${f}`);
  // A crash before the summary (or an error outside any test) must not count as a pass.
  tallies.push({ name, passed: c.passed, failed: code !== 0 && c.failed === 0 ? 1 : c.failed, skipped: c.skipped, seconds });
}

/** MemTotal and MemAvailable from /proc/meminfo, in GiB. */
function memory(): { total: number; available: number } {
  const info = readFileSync("/proc/meminfo", "utf8");
  const kib = (key: string) => Number(info.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"))?.[1] ?? 0);
  return { total: kib("MemTotal") / 2 ** 20, available: kib("MemAvailable") / 2 ** 20 };
}

interface LaneResult {
  lane: Lane;
  tally: Tally;
  fileSeconds: Record<string, number>;
}

/** Runs a lane's files one after another, each in its own bun test process, printing each file's output whole. */
async function runLane(lane: Lane): Promise<LaneResult> {
  const tally: Tally = { name: `lane ${lane.name}`, passed: 0, failed: 0, skipped: 0, seconds: 0 };
  const fileSeconds: Record<string, number> = {};
  const t0 = performance.now();
  for (const file of lane.files) {
    console.log(`[lane ${lane.name}] starting ${file}`);
    const { code, text, seconds } = await runCommand([process.execPath, "test", "--timeout", "900000", ALL_PATHS, `./${file}`], {
      env: { UKIBOOT_E2E: "1", UKIBOOT_RETRY_LOG: retryLog, UKIBOOT_LANE: lane.name },
      buffered: true,
    });
    const c = bunTestCounts(text);
    const failed = code !== 0 && c.failed === 0 ? 1 : c.failed;
    tally.passed += c.passed;
    tally.failed += failed;
    tally.skipped += c.skipped;
    fileSeconds[file] = Number(seconds.toFixed(1));
    if (failed > 0) for (const f of bunTestFailures(text).concat(c.failed === 0 ? [`exit code ${code}`] : [])) failures.push(`${file}: ${f}`);
    console.log(`\n=== [lane ${lane.name}] ${file}: ${c.passed} passed, ${failed} failed (${seconds.toFixed(1)} s)\n${text}`);
  }
  tally.seconds = (performance.now() - t0) / 1000;
  return { lane, tally, fileSeconds };
}

async function runScenarios(): Promise<void> {
  const all = readdirSync(join(REPO_ROOT, "test", "e2e"))
    .filter((f) => f.endsWith(".e2e.test.ts"))
    .sort()
    .map((f) => `test/e2e/${f}`);
  const chosen = args.e2e ? positionals.map((p) => relative(REPO_ROOT, join(REPO_ROOT, p))) : all;
  for (const f of chosen)
    if (!all.includes(f)) throw new Error(`--e2e ${f}: no such QEMU scenario file; the files are under test/e2e/ and end in .e2e.test.ts`);
  const times = parseFileTimes(existsSync(TIMES_FILE) ? readFileSync(TIMES_FILE, "utf8") : null);
  let count = args.e2e ? 1 : Number(args.lanes ?? 2);
  const mem = memory();
  if (count > 1 && mem.available < count * LANE_MEMORY_GIB + 2) {
    console.log(
      `ukiboot: ${mem.available.toFixed(1)} GiB of memory available; ${count} lanes need about ${(count * LANE_MEMORY_GIB + 2).toFixed(1)} GiB, so the scenarios run in one lane`,
    );
    count = 1;
  }
  let lanes = planLanes(chosen, times, count);
  if (args.lane) {
    const one = lanes.find((l) => l.name === args.lane);
    if (!one) throw new Error(`--lane ${args.lane}: no such lane; the lanes are ${lanes.map((l) => l.name).join(", ")}`);
    lanes = [one];
  }
  console.log(`\n=== QEMU scenarios in ${lanes.length} lane(s)${times ? " balanced by test/e2e-times.json" : " in file order (no test/e2e-times.json)"}`);
  for (const l of lanes) console.log(`lane ${l.name} (${l.expectedSeconds} s recorded): ${l.files.map((f) => f.replace("test/e2e/", "")).join(" ")}`);

  // The peak of memory in use while the lanes run, sampled every second.
  let peakUsed = mem.total - mem.available;
  const sampler = setInterval(() => {
    const m = memory();
    peakUsed = Math.max(peakUsed, m.total - m.available);
  }, 1000);
  const t0 = performance.now();
  const results = await Promise.all(lanes.map(runLane));
  clearInterval(sampler);
  const wall = (performance.now() - t0) / 1000;

  for (const r of results) tallies.push(r.tally);
  laneLines.push(
    ...results.map(
      (r) => `lane ${r.lane.name}: ${r.lane.files.length} files, ${r.tally.passed} passed, ${r.tally.failed} failed, ${r.tally.seconds.toFixed(1)} s`,
    ),
  );
  laneLines.push(
    `QEMU scenarios: ${wall.toFixed(1)} s wall in ${lanes.length} lane(s); peak memory in use ${peakUsed.toFixed(1)} GiB of ${mem.total.toFixed(1)} GiB`,
  );
  if (args["record-times"]) {
    const merged = { ...(times ?? {}), ...Object.assign({}, ...results.map((r) => r.fileSeconds)) };
    const sorted = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
    writeFileSync(TIMES_FILE, `${JSON.stringify(sorted, null, 2)}\n`);
    console.log(`wrote each file's wall time to ${relative(REPO_ROOT, TIMES_FILE)}`);
  }
}

const laneLines: string[] = [];

const bun = process.execPath;
if (!e2eOnly) {
  await step("typecheck", [bun, "x", "tsc", "-p", ".", "--noEmit"], { counts: "exit-code" });
  // Biome's formatter and linter as a check: a file that is not formatted, or that breaks a rule, fails it.
  await step("format and lint", [join(REPO_ROOT, "node_modules", ".bin", "biome"), "ci", "."], { counts: "exit-code" });
  // What `bun test` runs by default (bunfig.toml): the unit and UI tests, which need nothing but Bun.
  await step("unit and UI tests", [bun, "test", "./test/unit", "./test/ui"], { counts: "bun-test" });
}
if (!unitOnly) {
  try {
    await ensureHostTools({
      programs: {
        tmux: "tmux",
        sbsign: "sbsigntool",
        swtpm: "swtpm",
        swtpm_setup: "swtpm-tools",
        tpm2_pcrread: "tpm2-tools",
        bsdtar: "libarchive-tools",
        lz4: "lz4",
        openssl: "openssl",
        "hash-to-efi-sig-list": "efitools",
        mkinitramfs: "initramfs-tools",
        lzop: "lzop",
        bzip2: "bzip2",
        shellcheck: "shellcheck",
        checkbashisms: "devscripts",
        strace: "strace",
        python3: "python3",
        busybox: "busybox",
        mmdebstrap: "mmdebstrap",
        cryptsetup: "cryptsetup-bin",
        "mkfs.ext4": "e2fsprogs",
        efibootmgr: "efibootmgr",
        lintian: "lintian",
        // The screen scenario's readers: OCR, and ImageMagick by its own name (another `convert` may come first).
        tesseract: "tesseract-ocr",
        "convert-im6.q16": "imagemagick",
        // The oracles of the menu's TOTP code: a QR reader and RFC 6238's codes.
        zbarimg: "zbar-tools",
        oathtool: "oathtool",
      },
    });
    const parts = await debianParts();
    console.log("=== build: dist/ukiboot and dist/initramfs.cpio.zst");
    const t0 = performance.now();
    const { built } = await ensureBuilt({ modulesDir: parts.modulesDir });
    if (!built) console.log("dist/ already holds this build of the tree (build/build-stamp.ts)");
    tallies.push({ name: "build", passed: 1, failed: 0, skipped: 0, seconds: (performance.now() - t0) / 1000 });
  } catch (e) {
    console.error(`ukiboot: cannot prepare the tests: ${(e as Error).message}`);
    tallies.push({ name: "build", passed: 0, failed: 1, skipped: 0, seconds: 0 });
  }
}
if (!unitOnly) {
  // The integration tests, against the real tools (ukify, systemd-measure, bootctl, sbsign, swtpm, GNU cpio,
  // busybox, the Debian kernels), with a generous deadline, because on a fresh clone the first tests build
  // their fixtures with them. They run beside the shared fixtures' build, one per core: neither waits for
  // the other, and a fixture both need is built once under its lock (test/lab/build-once.ts).
  await Promise.all([
    e2eOnly
      ? undefined
      : step("integration tests", [bun, "test", "--timeout", "300000", ALL_PATHS, "./test/integration"], { counts: "bun-test", buffered: true }),
    step("shared fixtures", [bun, "test/lab/prepare-shared.ts"], { counts: "exit-code", buffered: true }),
  ]);
  try {
    await runScenarios();
  } catch (e) {
    console.error(`ukiboot: cannot run the QEMU scenarios: ${(e as Error).message}`);
    tallies.push({ name: "QEMU scenarios", passed: 0, failed: 1, skipped: 0, seconds: 0 });
  }
}

// Every retried boot, listed; more than MAX_RETRIES fail the run.
const retries = existsSync(retryLog)
  ? readFileSync(retryLog, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { name: string; signature: string })
  : [];

console.log("\n=== summary");
for (const t of tallies) {
  console.log(
    `${t.name.padEnd(20)} ${String(t.passed).padStart(5)} passed ${String(t.failed).padStart(4)} failed ${t.skipped ? `${t.skipped} skipped ` : ""}(${t.seconds.toFixed(1)} s)`,
  );
}
for (const l of laneLines) console.log(l);
if (!unitOnly) {
  console.log(`retried: ${retries.length}`);
  retries.forEach((r, k) => console.log(`retried: ${k + 1}: ${r.name} (${r.signature})`));
}
for (const f of failures) console.log(`failed: ${f}`);
const tooManyRetries = retries.length > MAX_RETRIES;
if (tooManyRetries)
  console.log(`${retries.length} retried boots are more than the ${MAX_RETRIES} a run may have: the run fails, since faults this frequent can hide real ones`);
const passed = tallies.reduce((s, t) => s + t.passed, 0);
// npm test installs every tool a test needs, so a skipped test means an install step is missing: it counts
// as failed here rather than letting a green line hide what did not run.
const skipped = tallies.reduce((s, t) => s + t.skipped, 0);
if (skipped > 0) console.log(`${skipped} skipped test(s) count as failed: a tool they need was not installed (see "(skip)" above)`);
const failed = tallies.reduce((s, t) => s + t.failed, 0) + skipped + (tooManyRetries ? 1 : 0);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
rmSync(runScratch, { recursive: true, force: true });
