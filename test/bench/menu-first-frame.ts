/**
 * Benchmark: process start to the first complete menu frame ("Boot in N s." drawn) of the compiled
 * dist/ukiboot on a 5-entry and a 20-entry ESP, under a pseudo-terminal. Reference in the same run: the same
 * binary's `--version` (the runtime's own start-up cost). Goals: 150 ms or less, and with 5 entries at most
 * 1.5 times the reference.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureBuilt } from "../../build/build.ts";
import { CACHE_DIR, debianParts, REPO_ROOT } from "../../build/debian.ts";
import { run } from "../../build/lib/run-command.ts";
import { buildUki, standInKernel } from "../lab/target-system.ts";

const BINARY = join(REPO_ROOT, "dist", "ukiboot");
await ensureBuilt({ initramfs: false });
/** An ESP with `n` UKIs and `timeout 10`, built once. */
async function menuEsp(n: number): Promise<string> {
  const ESP = join(CACHE_DIR, "bench", `menu-${n}`, "esp");
  if (existsSync(join(ESP, "done"))) return ESP;
  const parts = await debianParts();
  mkdirSync(join(ESP, "EFI/Linux"), { recursive: true });
  mkdirSync(join(ESP, "loader"), { recursive: true });
  writeFileSync(join(ESP, "loader/loader.conf"), "timeout 10\n");
  const kernel = join(ESP, "..", "kernel");
  const k = standInKernel();
  writeFileSync(kernel, k);
  for (let i = 1; i <= n; i++) {
    const osrel = join(ESP, "..", `os-release-${i}`);
    writeFileSync(osrel, `ID=bench\nPRETTY_NAME="Bench OS ${i}"\nVERSION_ID=${i}\n`);
    await buildUki(parts, { output: join(ESP, `EFI/Linux/bench-${i}.efi`), linux: kernel, cmdline: `v=${i}`, osRelease: `@${osrel}`, uname: "6.1.0-bench" });
  }
  writeFileSync(join(ESP, "done"), "");
  return ESP;
}
const ESP5 = await menuEsp(5);
const ESP20 = await menuEsp(20);

/** Runs a command on a fresh pty and returns milliseconds from spawn until `marker` appears in its output. */
const PTY_TIMER = `
import os, pty, sys, time, select, signal
marker = sys.argv[1].encode()
t0 = time.monotonic()
pid, fd = pty.fork()
if pid == 0:
    os.environ.pop("TERM", None)
    os.execv(sys.argv[2], sys.argv[2:])
buf = b""
while marker not in buf:
    r, _, _ = select.select([fd], [], [], 10)
    if not r: sys.exit("timeout")
    try: buf += os.read(fd, 65536)
    except OSError: break
t = (time.monotonic() - t0) * 1000
os.kill(pid, signal.SIGKILL)
print(f"{t:.1f}" if marker in buf else "missing")
`;

async function timeTo(marker: string, argv: string[]): Promise<number> {
  const out = (await run(["python3", "-c", PTY_TIMER, marker, ...argv])).stdout.trim();
  if (!/^[0-9.]+$/.test(out)) throw new Error(`No "${marker}" from ${argv.join(" ")}: ${out}`);
  return Number(out);
}

const RUNS = 15;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const menu5: number[] = [];
const menu20: number[] = [];
const version: number[] = [];
for (let i = 0; i < RUNS; i++) {
  version.push(await timeTo("ukiboot 0.", [BINARY, "--version"]));
  menu5.push(await timeTo("Boot in", [BINARY, "menu", "--esp", ESP5, "--dry-run"]));
  menu20.push(await timeTo("Boot in", [BINARY, "menu", "--esp", ESP20, "--dry-run"]));
}
const m5 = median(menu5);
const m20 = median(menu20);
const v = median(version);
console.log("| measurement (median of 15, pty) | time | against the reference |\n| --- | --- | --- |");
console.log(`| dist/ukiboot menu: process start → first complete frame, 5 UKIs | ${m5.toFixed(0)} ms | ${(m5 / v).toFixed(2)}x (goal ≤ 1.5x) |`);
console.log(`| dist/ukiboot menu: process start → first complete frame, 20 UKIs | ${m20.toFixed(0)} ms | ${(m20 / v).toFixed(2)}x |`);
console.log(`| reference: dist/ukiboot --version (runtime start-up) | ${v.toFixed(0)} ms | 1x |`);
console.log(`\nGoal: 150 ms or less with 20 UKIs → ${m20 <= 150 ? "met" : "NOT met"}; 1.5x the reference with 5 → ${m5 / v <= 1.5 ? "met" : "NOT met"}`);
