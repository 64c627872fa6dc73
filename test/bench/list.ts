/**
 * Benchmark: `dist/ukiboot list --json` against `bootctl list --json` (Debian forky's systemd 262, the release
 * ukiboot follows; trixie's 257 with BENCH_BOOTCTL=trixie) on the
 * same ESP with 200 UKIs and 50 Type #1 entries, timed in the same run, inside the same private mount
 * namespace. A second ESP whose UKIs each carry a 32 MiB .initrd shows that listing time follows the number of
 * entries, not their size.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBuilt } from "../../build/build.ts";
import { CACHE_DIR, debianParts, REPO_ROOT } from "../../build/debian.ts";
import { run } from "../../build/lib/run-command.ts";
import { buildUki, standInKernel } from "../lab/target-system.ts";
import { debianBootctl } from "../support/bootctl.ts";

const BINARY = join(REPO_ROOT, "dist", "ukiboot");
await ensureBuilt({ initramfs: false });
const bootctl = await debianBootctl(process.env.BENCH_BOOTCTL === "trixie" ? "trixie" : "forky");
if (typeof bootctl === "string") throw new Error(`Cannot run the reference: ${bootctl}`);

async function makeEsp(name: string, initrdBytes: number): Promise<string> {
  const esp = join(CACHE_DIR, "bench", name, "esp");
  if (existsSync(join(esp, "done"))) return esp;
  const parts = await debianParts();
  const work = join(CACHE_DIR, "bench", name);
  mkdirSync(join(esp, "EFI/Linux"), { recursive: true });
  mkdirSync(join(esp, "loader/entries"), { recursive: true });
  const kernel = join(work, "kernel");
  const k = standInKernel();
  writeFileSync(kernel, k);
  const initrd = join(work, "initrd");
  writeFileSync(initrd, new Uint8Array(initrdBytes).fill(0x30));
  const osrel = join(work, "os-release");
  writeFileSync(osrel, 'ID=bench\nPRETTY_NAME="Bench OS"\nVERSION_ID=1\n');
  const template = join(work, "template.efi");
  await buildUki(parts, { output: template, linux: kernel, initrds: [initrd], cmdline: "quiet", osRelease: `@${osrel}`, uname: "6.1.0-bench" });
  // 200 copies of one UKI under versioned names: listing reads each one's headers and text sections.
  const bytes = await Bun.file(template).bytes();
  for (let i = 1; i <= 200; i++) writeFileSync(join(esp, `EFI/Linux/bench-6.${i}.efi`), bytes);
  writeFileSync(join(esp, "vmlinuz"), k);
  for (let i = 1; i <= 50; i++) {
    writeFileSync(
      join(esp, `loader/entries/bench-5.${i}.conf`),
      `title Bench ${i}\nversion 5.${i}\nsort-key bench\nlinux /vmlinuz\noptions root=/dev/vda quiet\n`,
    );
  }
  writeFileSync(join(esp, "done"), "");
  return esp;
}

const RUNS = 10;

/** Runs each command RUNS times in one private mount namespace with the ESP mounted read-only; returns ms per run. */
async function timeBoth(esp: string): Promise<{ ukiboot: number; bootctl: number; ukibootCount: number; bootctlCount: number }> {
  if (typeof bootctl === "string") throw new Error(bootctl);
  const mnt = mkdtempSync(join(tmpdir(), "ukiboot-bench-"));
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const bc = `${q(bootctl.ld)} --library-path ${q(bootctl.libs)} ${q(bootctl.bootctl)} --esp-path=${q(`${mnt}/esp`)} --no-variables --no-pager list --json=short`;
  const uk = `${q(BINARY)} list --json --esp ${q(`${mnt}/esp`)} --efivarfs /nonexistent`;
  const loop = (cmd: string, tag: string) =>
    `s=$(date +%s%N); i=0; while [ $i -lt ${RUNS} ]; do ${cmd} > ${q(`${mnt}/${tag}.json`)} 2>/dev/null; i=$((i+1)); done; e=$(date +%s%N); echo ${tag} $(( (e - s) / ${RUNS} ))`;
  const script = [
    `mkdir -p ${q(`${mnt}/esp`)}`,
    `mount --bind ${q(esp)} ${q(`${mnt}/esp`)}`,
    `mount -o remount,bind,ro ${q(`${mnt}/esp`)}`,
    // One warm-up of each, so both read from the page cache.
    `${bc} >/dev/null 2>&1; ${uk} >/dev/null 2>&1`,
    loop(bc, "bootctl"),
    loop(uk, "ukiboot"),
    `${q(process.execPath)} -e 'const f=(p)=>JSON.parse(require("fs").readFileSync(p,"utf8")).length; console.log("counts", f(${JSON.stringify(`${mnt}/ukiboot.json`)}), f(${JSON.stringify(`${mnt}/bootctl.json`)}))'`,
  ].join(" && ");
  try {
    const { stdout } = await run(["unshare", "-m", "--propagation", "private", "sh", "-c", script], {
      env: { SYSTEMD_RELAX_ESP_CHECKS: "1", SYSTEMD_LOG_LEVEL: "err" },
    });
    const ns = (tag: string) => Number(stdout.match(new RegExp(`^${tag} (\\d+)$`, "m"))![1]) / 1e6;
    const counts = stdout.match(/^counts (\d+) (\d+)$/m)!;
    return { ukiboot: ns("ukiboot"), bootctl: ns("bootctl"), ukibootCount: Number(counts[1]), bootctlCount: Number(counts[2]) };
  } finally {
    rmSync(mnt, { recursive: true, force: true });
  }
}

const small = await timeBoth(await makeEsp("list-250", 4096));
const large = await timeBoth(await makeEsp("list-250-large", 32 << 20));
console.log(`| ESP (${RUNS} runs each, mean) | entries listed (ukiboot / bootctl) | ukiboot list --json | bootctl ${bootctl.version} list --json | ratio |`);
console.log("| --- | --- | --- | --- | --- |");
for (const [name, r] of [
  ["200 UKIs (4 KiB .initrd) + 50 Type #1", small],
  ["200 UKIs (32 MiB .initrd) + 50 Type #1", large],
] as const) {
  console.log(
    `| ${name} | ${r.ukibootCount} / ${r.bootctlCount} | ${r.ukiboot.toFixed(0)} ms | ${r.bootctl.toFixed(0)} ms | ${(r.ukiboot / r.bootctl).toFixed(2)}x |`,
  );
}
