/**
 * `npm test`'s step before the QEMU lanes: builds, once, every fixture that more than one scenario file uses
 * (dist/ for both architectures, the Debian parts, the Debian trixie system, the common ESPs), so that the two
 * lanes start on a full cache instead of one waiting on the other's build. A fixture that only one file uses
 * is built by that file, in its lane, while the other lane boots; the build-once lock keeps that safe.
 */
import { debianParts, systemd262Parts } from "../../build/debian.ts";
import { forkyBootctl } from "../support/bootctl.ts";
import { e2eArm64Ready, e2eReady, INITRAMFS } from "../support/e2e.ts";
import { debianSystem } from "./debian-system.ts";
import { BENCH_ESP, buildEspScenario, DEMO_ESP } from "./esp-scenarios.ts";
import { sealedDisk } from "./sealed-disk.ts";

const steps: [string, () => Promise<unknown>][] = [
  ["dist/ (x86_64) and the Debian trixie parts", () => e2eReady()],
  ["systemd 262 from forky", () => systemd262Parts()],
  ["bootctl 262 from forky", () => forkyBootctl()],
  ["the demo ESP", () => buildEspScenario(DEMO_ESP, { initramfs: INITRAMFS })],
  ["the three-UKI ESP", () => buildEspScenario(BENCH_ESP)],
  ["the Debian trixie system (mmdebstrap, kernel-install)", () => debianSystem()],
  ["the sealed disk (the LUKS UKI and its LUKS2 root)", () => sealedDisk()],
  ["dist/arm64/ and the arm64 parts", () => e2eArm64Ready()],
];

await debianParts();
for (const [what, step] of steps) {
  const t0 = performance.now();
  await step();
  console.log(`prepared ${what} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
