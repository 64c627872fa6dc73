/**
 * Benchmark: what ukiboot adds to a boot. QEMU under TCG with Debian's cloud kernel started
 * LinuxBoot-style, one ESP with three UKIs and no menu wait, booted unattended by (a) ukiboot's initramfs and
 * (b) the kexec-tools baseline (test/lab/kexec-tools-initramfs.ts), alternately, three times each. Each phase
 * is the time from QEMU's start until the console line that ends it arrives; the table shows medians and the
 * ratio (a)/(b) for time to the target and for image size. Both must boot the same UKI, or the benchmark
 * fails.
 *
 * Then what a user would pick instead: OVMF (TCG, no Secure Boot) starts EFI/BOOT/BOOTX64.EFI on an ESP with
 * one UKI and `timeout 0`, which is (c) the real systemd-boot 257, which starts the UKI through its
 * systemd-stub, (d) ukiboot's boot UKI, which kexecs it, or (e) the same boot UKI around the kexec-tools
 * baseline's initramfs; the three take turns, three boots each, timed from QEMU's start.
 *
 * Last, the menu: LinuxBoot style, five UKIs and `timeout 10`, from QEMU's start and from ukiboot's first
 * line to the menu's first complete frame on the serial console. Run with `bun run bench boot`.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../build/lib/run-command.ts";
import { DEFAULT_ZSTD_LEVEL } from "../../build/initramfs.ts";
import { debianParts } from "../../build/debian.ts";
import { BENCH_ESP, BOOT_KERNEL_CMDLINE, buildEspScenario, firmwareBenchEsp, MENU_BENCH_ESP } from "../lab/esp-scenarios.ts";
import { kexecToolsInitramfs } from "../lab/kexec-tools-initramfs.ts";
import { startVm } from "../lab/qemu.ts";
import { parseTargetReport } from "../lab/target-system.ts";
import { e2eReady, INITRAMFS } from "../support/e2e.ts";

const ROUNDS = 3;

interface Phase {
  name: string;
  line: RegExp;
}

const UKIBOOT_PHASES: Phase[] = [
  { name: "kernel and initramfs unpack → first line", line: /ukiboot: started/ },
  { name: "modules loaded", line: /ukiboot: loaded modules/ },
  { name: "ESP found", line: /ukiboot: using ESP/ },
  { name: "entries listed, default chosen", line: /ukiboot: default entry/ },
  { name: "verified, planned (loading)", line: /ukiboot: loading "/ },
  { name: "loaded, kexec starts", line: /ukiboot: starting the kernel/ },
  { name: "target's first line", line: /UKIBOOT-TARGET-BEGIN/ },
];

const BASELINE_PHASES: Phase[] = [
  { name: "kernel and initramfs unpack → first line", line: /baseline: started/ },
  { name: "modules loaded", line: /baseline: loaded modules/ },
  { name: "ESP found", line: /baseline: using ESP/ },
  { name: "entries listed, default chosen", line: /baseline: loading / },
  { name: "verified, planned (loading)", line: /baseline: loading / },
  { name: "loaded, kexec starts", line: /baseline: loaded\r?$/m },
  { name: "target's first line", line: /UKIBOOT-TARGET-BEGIN/ },
];

await e2eReady();
const parts = await debianParts();
const esp = await buildEspScenario(BENCH_ESP);
const baseline = await kexecToolsInitramfs();
const firmwareEsps = {
  sdboot: await buildEspScenario(firmwareBenchEsp("systemd-boot")),
  ukiboot: await buildEspScenario(firmwareBenchEsp("ukiboot"), { initramfs: INITRAMFS }),
  baseline: await buildEspScenario(firmwareBenchEsp("baseline"), { initramfs: baseline.path }),
};

/**
 * One boot: the time of each phase's line from QEMU's start, and the target's report. `firmware`: OVMF
 * starts the ESP's BOOTX64.EFI; otherwise QEMU starts the boot kernel with `initrd` (LinuxBoot style).
 */
async function boot(initrd: string, phases: Phase[], firmware?: { image: string }): Promise<{ times: number[]; name: string }> {
  const vm = startVm(
    firmware
      ? { firmware: "ovmf", disks: [{ path: firmware.image, iface: "nvme" }] }
      : { kernel: parts.vmlinuz, initrd, append: BOOT_KERNEL_CMDLINE, disks: [{ path: esp.image, iface: "nvme" }] },
  );
  const t0 = performance.now();
  try {
    const times: number[] = [];
    for (const p of phases) {
      // A boot that failed says so at once (the baseline's script, or ukiboot's rescue shell).
      const m = await vm.expect(new RegExp(`${p.line.source}|baseline: [^\\n]*(failed|no ESP)|ukiboot: starting a rescue shell`, "m"), 120_000);
      if (!p.line.test(m[0])) throw new Error(`bench boot: the boot failed ("${m[0].trim()}"):\n${vm.tail()}`);
      times.push((performance.now() - t0) / 1000);
    }
    await vm.expect(/UKIBOOT-TARGET-END/, 120_000);
    const report = parseTargetReport(vm.output);
    if (!report) throw new Error(`no target report in:\n${vm.tail()}`);
    return { times, name: report.name };
  } finally {
    await vm.kill();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const runs: { a: number[][]; b: number[][] } = { a: [], b: [] };
for (let i = 0; i < ROUNDS; i++) {
  const a = await boot(INITRAMFS, UKIBOOT_PHASES);
  const b = await boot(baseline.path, BASELINE_PHASES);
  // systemd-boot's default here is the newest version; both must have booted it.
  if (a.name !== "bench-3.0" || b.name !== "bench-3.0") {
    console.error(`bench boot: wrong entry booted: ukiboot ${a.name}, baseline ${b.name}; both should boot bench-3.0`);
    process.exit(1);
  }
  runs.a.push(a.times);
  runs.b.push(b.times);
  console.log(`round ${i + 1}: ukiboot ${a.times.at(-1)!.toFixed(1)} s, baseline ${b.times.at(-1)!.toFixed(1)} s to the target`);
}

const rows = UKIBOOT_PHASES.map((p, k) => {
  const a = median(runs.a.map((t) => t[k]!));
  const b = median(runs.b.map((t) => t[k]!));
  return `| ${p.name} | ${a.toFixed(2)} s | ${b.toFixed(2)} s |`;
});
const ta = median(runs.a.map((t) => t.at(-1)!));
const tb = median(runs.b.map((t) => t.at(-1)!));
const sa = statSync(INITRAMFS).size;
console.log(`\n${ROUNDS} boots each, TCG, medians of the time from QEMU's start until the line that ends each phase\n`);
console.log("| phase ends | ukiboot (a) | kexec-tools baseline (b) |\n| --- | --- | --- |\n" + rows.join("\n"));
console.log(`\n| measure | ukiboot (a) | baseline (b) | (a)/(b) |\n| --- | --- | --- | --- |`);
console.log(`| QEMU start → target's first line | ${ta.toFixed(2)} s | ${tb.toFixed(2)} s | ${(ta / tb).toFixed(2)}x (goal ≤ 1.2x) |`);
console.log(
  `| compressed initramfs | ${sa.toLocaleString("en-US")} bytes | ${baseline.compressedBytes.toLocaleString("en-US")} bytes | ${(sa / baseline.compressedBytes).toFixed(1)}x |`,
);

// The floor any Bun program starts from: the runtime's own executable, compressed the same way.
const scratch = mkdtempSync(join(tmpdir(), "bench-boot-"));
await run(["zstd", "-q", "-f", `-${DEFAULT_ZSTD_LEVEL}`, "-T0", process.execPath, "-o", join(scratch, "bun.zst")]);
const bare = statSync(join(scratch, "bun.zst")).size;
rmSync(scratch, { recursive: true, force: true });
console.log(
  `| compressed initramfs against the bare runtime (the bun executable, zstd -${DEFAULT_ZSTD_LEVEL}) | ${sa.toLocaleString("en-US")} bytes | ${bare.toLocaleString("en-US")} bytes | ${(sa / bare).toFixed(2)}x (goal ≤ 2x, and ≤ 30 MB) |`,
);

// OVMF → systemd-boot → systemd-stub against OVMF → ukiboot's boot UKI → kexec, and the baseline's boot UKI.
// The firmware's own line that it starts the loader is common to all three; the stub prints nothing (quiet).
const FIRMWARE_START: Phase = { name: "firmware → the loader starts", line: /BdsDxe: starting Boot/ };
const firmwareTarget: Phase = { name: "target's first line", line: /UKIBOOT-TARGET-BEGIN/ };
const FIRMWARE_PHASES = {
  sdboot: [FIRMWARE_START, firmwareTarget],
  ukiboot: [FIRMWARE_START, ...UKIBOOT_PHASES],
  baseline: [FIRMWARE_START, ...BASELINE_PHASES],
};
const fw: Record<keyof typeof FIRMWARE_PHASES, number[][]> = { sdboot: [], ukiboot: [], baseline: [] };
for (let i = 0; i < ROUNDS; i++) {
  for (const k of ["sdboot", "ukiboot", "baseline"] as const) {
    const r = await boot("", FIRMWARE_PHASES[k], firmwareEsps[k]);
    if (r.name !== "bench-1.0") {
      console.error(`bench boot: ${k} booted ${r.name}, not the ESP's one UKI bench-1.0`);
      process.exit(1);
    }
    fw[k].push(r.times);
  }
  console.log(
    `firmware round ${i + 1}: systemd-boot ${fw.sdboot[i]!.at(-1)!.toFixed(1)} s, ukiboot ${fw.ukiboot[i]!.at(-1)!.toFixed(1)} s, baseline ${fw.baseline[i]!.at(-1)!.toFixed(1)} s to the target`,
  );
}
const cell = (k: keyof typeof fw, name: string) => {
  const at = FIRMWARE_PHASES[k].findIndex((p) => p.name === name);
  return at < 0 ? "" : `${median(fw[k].map((t) => t[at]!)).toFixed(2)} s`;
};
const names = [...new Set([FIRMWARE_START, ...UKIBOOT_PHASES].map((p) => p.name))];
console.log(`\nOVMF under TCG, one UKI, timeout 0; ${ROUNDS} boots each, medians from QEMU's start\n`);
console.log("| phase ends | systemd-boot 257 + stub (c) | ukiboot (d) | kexec-tools baseline (e) |\n| --- | --- | --- | --- |");
for (const n of names) console.log(`| ${n} | ${cell("sdboot", n)} | ${cell("ukiboot", n)} | ${cell("baseline", n)} |`);
const last = (k: keyof typeof fw) => median(fw[k].map((t) => t.at(-1)!));
const start = (k: keyof typeof fw) => median(fw[k].map((t) => t[0]!));
console.log(`\n| measure | (d)/(c) | (d)/(e) |\n| --- | --- | --- |`);
console.log(`| QEMU start → target's first line | ${(last("ukiboot") / last("sdboot")).toFixed(2)}x | ${(last("ukiboot") / last("baseline")).toFixed(2)}x |`);
console.log(
  `| the loader's start → target's first line | ${((last("ukiboot") - start("ukiboot")) / (last("sdboot") - start("sdboot"))).toFixed(2)}x | ${((last("ukiboot") - start("ukiboot")) / (last("baseline") - start("baseline"))).toFixed(2)}x |`,
);

// The menu's first frame on the serial console, five entries.
const menuEsp = await buildEspScenario(MENU_BENCH_ESP);
const frames: { started: number; frame: number }[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const vm = startVm({ kernel: parts.vmlinuz, initrd: INITRAMFS, append: BOOT_KERNEL_CMDLINE, disks: [{ path: menuEsp.image, iface: "nvme" }] });
  const t0 = performance.now();
  try {
    await vm.expect(/ukiboot: started/, 120_000);
    const started = (performance.now() - t0) / 1000;
    await vm.expect(/Boot in \d+ s/, 120_000);
    frames.push({ started, frame: (performance.now() - t0) / 1000 });
  } finally {
    await vm.kill();
  }
}
const mStarted = median(frames.map((f) => f.started));
const mFrame = median(frames.map((f) => f.frame));
const mSince = median(frames.map((f) => f.frame - f.started));
console.log(`\nThe menu, five UKIs, timeout 10, LinuxBoot style; ${ROUNDS} boots, medians\n`);
console.log("| measure | time |\n| --- | --- |");
console.log(`| QEMU start → ukiboot's first line | ${mStarted.toFixed(2)} s |`);
console.log(`| QEMU start → the menu's first frame on serial | ${mFrame.toFixed(2)} s |`);
console.log(`| ukiboot's first line → the menu's first frame | ${mSince.toFixed(2)} s |`);
