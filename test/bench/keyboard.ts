/**
 * Benchmark: what the keyboard drivers cost (docs/menu.md §4). ukiboot's image with them (a) against the
 * same image without them (b), both built in this run from the same binary: the compressed size for
 * Debian's generic kernel and for its cloud kernel, and for the generic kernel the time from QEMU's start
 * until the menu is on the serial console, on the PC of the screen scenario (OVMF, VGA, a USB keyboard),
 * booted alternately, two times each. Only (a) can be answered from the USB keyboard. Run with
 * `bun run bench keyboard`.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { debianParts, debianPcKernel } from "../../build/debian.ts";
import { buildInitramfs } from "../../build/initramfs.ts";
import { ESP_MODULES } from "../../src/install/boot-initramfs.ts";
import { buildEspScenario } from "../lab/esp-scenarios.ts";
import { PC_CMDLINE, PC_ESP, pcVmOptions } from "../lab/pc-lab.ts";
import { startVm } from "../lab/qemu.ts";
import { BINARY, e2eReady } from "../support/e2e.ts";

const ROUNDS = 2;

await e2eReady();
const parts = await debianParts();
const pc = await debianPcKernel();
const esp = await buildEspScenario(PC_ESP);
const work = mkdtempSync(join(tmpdir(), "bench-keyboard-"));

async function image(name: string, modulesDir: string, withKeyboards: boolean): Promise<string> {
  const output = join(work, `${name}.cpio.zst`);
  await buildInitramfs({ binary: BINARY, busybox: parts.busybox, modulesDir, output, ...(withKeyboards ? {} : { localModules: ESP_MODULES }) });
  return output;
}

const images = {
  pcWith: await image("pc-with", pc.modulesDir, true),
  pcWithout: await image("pc-without", pc.modulesDir, false),
  cloudWith: await image("cloud-with", parts.modulesDir, true),
  cloudWithout: await image("cloud-without", parts.modulesDir, false),
};

/** Seconds from QEMU's start to ukiboot's first line and to the menu on the serial console. */
async function toMenu(initrd: string): Promise<[number, number]> {
  const vm = startVm(pcVmOptions({ kernel: pc.vmlinuz, initrd, esp: esp.image, append: PC_CMDLINE }));
  const t0 = performance.now();
  try {
    await vm.expect(/ukiboot: started/, 300_000);
    const started = (performance.now() - t0) / 1000;
    await vm.expect(/> +Target OS pc-2\.0/, 300_000);
    return [started, (performance.now() - t0) / 1000];
  } finally {
    await vm.kill();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const a: [number, number][] = [];
const b: [number, number][] = [];
for (let i = 0; i < ROUNDS; i++) {
  a.push(await toMenu(images.pcWith));
  b.push(await toMenu(images.pcWithout));
  console.log(`round ${i + 1}: with ${a.at(-1)![1].toFixed(1)} s, without ${b.at(-1)![1].toFixed(1)} s to the menu`);
}
const size = (f: string) => statSync(f).size;
const row = (what: string, x: number, y: number, unit: (n: number) => string) => `| ${what} | ${unit(x)} | ${unit(y)} | ${(x / y).toFixed(3)}x |`;
const bytes = (n: number) => `${n.toLocaleString("en-US")} bytes`;
const secs = (n: number) => `${n.toFixed(2)} s`;
console.log(`\n${ROUNDS} boots each under TCG, medians (the lower of two)\n`);
console.log("| measure | with the keyboard drivers (a) | without (b) | (a)/(b) |\n| --- | --- | --- | --- |");
console.log(row("compressed image, generic kernel", size(images.pcWith), size(images.pcWithout), bytes));
console.log(row("compressed image, cloud kernel", size(images.cloudWith), size(images.cloudWithout), bytes));
console.log(row("QEMU start → ukiboot's first line (generic kernel)", median(a.map((t) => t[0])), median(b.map((t) => t[0])), secs));
console.log(row("QEMU start → the menu on serial (generic kernel)", median(a.map((t) => t[1])), median(b.map((t) => t[1])), secs));
rmSync(work, { recursive: true, force: true });
