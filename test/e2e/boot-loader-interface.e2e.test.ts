/**
 * The Boot Loader Interface under QEMU with OVMF firmware (EFI variables through efivarfs, kept in the
 * firmware's NVRAM file between boots): a one-shot entry set by the booted OS is booted once; a boot-counted
 * entry is renamed on the ESP and the target sees LoaderBootCountPath naming the new file. Every check on
 * the target's variables first checks that the target mounted efivarfs, without which none would show.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { buildEspScenario, COUNTING_ESP, ONESHOT_ESP, type BuiltEsp } from "../lab/esp-scenarios.ts";
import { OVMF_VARS } from "../lab/qemu.ts";
import { run } from "../../build/lib/run-command.ts";
import { parseTargetReport, type TargetReport } from "../lab/target-system.ts";
import { E2E_TIMEOUT_MS, e2eReady, INITRAMFS, perTestScratch, runScenario } from "../support/e2e.ts";

/** Each test's disk copies: removed after the test. */
const scratchDir = perTestScratch();

let oneshot: BuiltEsp;
let counting: BuiltEsp;

beforeAll(async () => {
  await e2eReady();
  oneshot = await buildEspScenario(ONESHOT_ESP, { initramfs: INITRAMFS });
  counting = await buildEspScenario(COUNTING_ESP, { initramfs: INITRAMFS });
}, 600_000);

/** One OVMF boot of `disk` with the NVRAM in `vars`; returns the target's report. */
async function firmwareBoot(name: string, disk: string, vars: string): Promise<{ report: TargetReport; log: string }> {
  return runScenario(
    name,
    () => ({ firmware: "ovmf", varsFile: vars, disks: [{ path: disk, iface: "nvme" }] }),
    async (vm) => {
      await vm.expect(/UKIBOOT-TARGET-END/, 300_000);
      const report = parseTargetReport(vm.output);
      if (!report) throw new Error(`No target report in:\n${vm.tail()}`);
      return { report, log: vm.output };
    },
  );
}

describe("the Boot Loader Interface through ukiboot", () => {
  test(
    "a one-shot entry written by the booted OS boots once, and the default after that",
    async () => {
      const dir = scratchDir("ukiboot-oneshot-");
      const disk = join(dir, "disk.img");
      const vars = join(dir, "OVMF_VARS.fd");
      copyFileSync(oneshot.image, disk);
      copyFileSync(OVMF_VARS, vars);
      const first = await firmwareBoot("oneshot-1-default", disk, vars);
      expect(first.report.name).toBe("os-a");
      expect(first.report.efivarfs).toBe("mounted");
      expect(first.log).toContain("UKIBOOT-TARGET-WROTE LoaderEntryOneShot=os-b.efi");
      const second = await firmwareBoot("oneshot-2-oneshot", disk, vars);
      expect(second.report.name).toBe("os-b");
      expect(second.log).toContain("chosen by oneshot");
      // ukiboot deleted the variable before booting: the target does not see it, though it sees the variables.
      expect(second.report.efivarfs).toBe("mounted");
      expect(Object.keys(second.report.efivars).some((k) => k.startsWith("LoaderEntryOneShot"))).toBe(false);
      const third = await firmwareBoot("oneshot-3-default", disk, vars);
      expect(third.report.name).toBe("os-a");
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "a counted entry is renamed +3 → +2-1 and the target sees LoaderBootCountPath; an entry at +0 sorts last",
    async () => {
      const dir = scratchDir("ukiboot-counting-");
      const disk = join(dir, "disk.img");
      const vars = join(dir, "OVMF_VARS.fd");
      copyFileSync(counting.image, disk);
      copyFileSync(OVMF_VARS, vars);
      const { report, log } = await firmwareBoot("boot-counting", disk, vars);
      // z (version 9.0) would sort first, but it has no tries left.
      expect(report.name).toBe("x");
      expect(log).toContain("boot counting: renamed x+3.efi to x+2-1.efi");
      expect(report.efivarfs).toBe("mounted");
      expect(report.efivars["LoaderBootCountPath-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"]).toBe("\\EFI\\Linux\\x+2-1.efi");
      // The rename reached the disk: list the ESP (at 1 MiB) with mtools.
      const { stdout } = await run(["mdir", "-b", "-i", `${disk}@@1M`, "::/EFI/Linux"], { env: { MTOOLS_SKIP_CHECK: "1" } });
      expect(
        stdout
          .split("\n")
          .filter(Boolean)
          .map((l) => l.replace(/^.*\//, ""))
          .sort(),
      ).toEqual(["x+2-1.efi", "z+0-2.efi"]);
    },
    E2E_TIMEOUT_MS,
  );
});
