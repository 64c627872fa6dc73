/**
 * Measured boot that unlocks a disk (docs/measurements.md): the Debian system's root is LUKS2 with a TPM2
 * keyslot sealed by systemd-cryptenroll to a signed PCR 11 policy (test/lab/luks-root.ts). Booted
 * LinuxBoot-style through ukiboot (PCR 11 starts at zero), the UKI kernel-install made unlocks the root with
 * no passphrase; a UKI that differs by one byte of its .cmdline (which warn lets boot) puts another value in
 * PCR 11, so the TPM refuses and the system asks for the recovery passphrase, which still works.
 */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DebianParts } from "../../build/debian.ts";
import { run } from "../../build/lib/run-command.ts";
import type { DebianSystem } from "../lab/debian-system.ts";
import { BOOT_KERNEL_CMDLINE } from "../lab/esp-scenarios.ts";
import { parseLabReport, type LabReport } from "../lab/lab-report.ts";
import { RECOVERY_PASSPHRASE } from "../lab/luks-root.ts";
import { sealedDisk } from "../lab/sealed-disk.ts";
import { startQemuSwtpm, type QemuSwtpm } from "../lab/swtpm-socket.ts";
import { E2E_TIMEOUT_MS, e2eReady, INITRAMFS, keepConsole, perTestScratch, runScenario } from "../support/e2e.ts";
import { expectPcrValue } from "../support/pcr-value.ts";

let parts: DebianParts;
let system: DebianSystem;
let disk: string;
let tamperedUki: string;
const tpms: QemuSwtpm[] = [];

beforeAll(async () => {
  parts = await e2eReady();
  ({ system, disk, tamperedUki } = await sealedDisk());
}, 900_000);

/** Each boot's disk copy (640 MiB): removed after its test. */
const scratchDir = perTestScratch();
afterEach(async () => {
  for (const t of tpms.splice(0)) await t.stop();
});

/** The systemd-ask-password prompt of systemd-cryptsetup on the console. */
const PASSPHRASE_PROMPT = /Please enter passphrase for disk/;

/**
 * Boots a copy of the disk LinuxBoot-style through ukiboot, with a copy of the TPM that holds the sealed key.
 * `answerPrompt`: type the recovery passphrase when the system asks for it (and say that it asked).
 */
async function bootSealed(name: string, opts: { uki?: string; edit?: string } = {}): Promise<{ report: LabReport; asked: boolean; log: string }> {
  const dir = scratchDir("ukiboot-sealed-");
  const image = join(dir, "disk.img");
  await run(["cp", "--sparse=always", disk, image]);
  const mtools = { env: { MTOOLS_SKIP_CHECK: "1" } };
  if (opts.uki) await run(["mcopy", "-o", "-i", `${image}@@1M`, opts.uki, `::/EFI/Linux/${system.luksUkiName}`], mtools);
  if (opts.edit) {
    // A visible menu, so the person at the serial console can edit the command line.
    const conf = join(dir, "loader.conf");
    writeFileSync(conf, "timeout 10\n");
    await run(["mcopy", "-o", "-i", `${image}@@1M`, conf, "::/loader/loader.conf"], mtools);
  }
  return runScenario(
    name,
    () => {
      const tpm = startQemuSwtpm(5000, { stateFrom: system.tpmState });
      tpms.push(tpm);
      return { kernel: parts.vmlinuz, initrd: INITRAMFS, append: BOOT_KERNEL_CMDLINE, disks: [{ path: image, iface: "nvme" }], tpmSocket: tpm.socket };
    },
    async (vm) => {
      let asked = false;
      try {
        if (opts.edit) {
          await vm.expect(/Boot in \d+ s\./, 240_000);
          vm.type("e");
          await vm.expect(/Esc cancel/, 30_000);
          vm.type(`${opts.edit}\r`);
        }
        const first = await vm.expect(new RegExp(`${PASSPHRASE_PROMPT.source}|LAB-REPORT-END`), 480_000);
        if (PASSPHRASE_PROMPT.test(first[0])) {
          asked = true;
          vm.type(`${RECOVERY_PASSPHRASE}\r`);
          await vm.expect(/LAB-REPORT-END/, 480_000);
        }
      } finally {
        keepConsole(name, vm.output);
      }
      const report = parseLabReport(vm.output);
      if (!report) throw new Error(`No report from the sealed Debian target:\n${vm.tail()}`);
      return { report, asked, log: vm.output };
    },
  );
}

describe("a LUKS2 root sealed to a signed PCR 11 policy, booted through ukiboot", () => {
  test(
    "the UKI kernel-install made unlocks the root through the TPM; a UKI one .cmdline byte apart changes PCR 11 and must ask for the passphrase; an edited command line changes only PCR 12",
    async () => {
      const good = await bootSealed("sealed-disk-unlocks");
      expect(good.asked).toBe(false);
      expect(good.report.state).toBe("running");
      expect(good.report.cmdline).toContain("root=/dev/mapper/root");
      // ukiboot measured the UKI and asked the target's systemd to measure enter-initrd on top, with no EFI.
      expect(good.log).toContain("added SYSTEMD_FORCE_MEASURE to the command line");
      expect(good.log).toMatch(/Finished systemd-pcrphase-initrd\.service/);
      // The root was opened in the initrd (dm-0), with nobody typing anything.
      expect(good.log).toMatch(/EXT4-fs \(dm-0\)/);
      // Every PCR compared here is a value the target read: a boot without a PCR file prints "none", and two
      // such boots would compare equal, and unequal to zero.
      const goodPcr11 = expectPcrValue(good.report.pcrs[11], "PCR 11 of the unlocking boot");
      const goodPcr12 = expectPcrValue(good.report.pcrs[12], "PCR 12 of the unlocking boot");
      expect(goodPcr11).not.toBe("0".repeat(64));
      // ukiboot checked the .pcrsig systemd-measure made against the PCR 11 it left in the TPM.
      expect(good.log).toContain("the UKI's .pcrsig signs the PCR 11 this boot reaches at enter-initrd");

      const tampered = await bootSealed("sealed-disk-tampered-uki-asks", { uki: tamperedUki });
      expect(tampered.report.cmdline).toContain("lab.tamper=1");
      expect(tampered.asked).toBe(true);
      // …and ukiboot said so before the jump, naming the file.
      expect(tampered.log).toMatch(/the \.pcrsig of ".*debian-.*\.efi" signs no PCR 11 value this boot reaches/);
      // The recovery passphrase still opens it, and the system comes up.
      expect(tampered.report.state).toMatch(/running|degraded/);
      expect(expectPcrValue(tampered.report.pcrs[11], "PCR 11 of the tampered UKI's boot")).not.toBe(goodPcr11);
      // Neither boot changed PCR 12: no add-on, credential or edited command line was measured.
      expect(expectPcrValue(tampered.report.pcrs[12], "PCR 12 of the tampered UKI's boot")).toBe(goodPcr12);

      // An edited command line goes into PCR 12, not PCR 11, as under systemd-stub: the disk still unlocks.
      const edited = await bootSealed("sealed-disk-edited-cmdline-unlocks", { edit: " lab.edited=1" });
      expect(edited.report.cmdline).toContain("lab.tamper=0 lab.edited=1");
      expect(edited.asked).toBe(false);
      expect(expectPcrValue(edited.report.pcrs[11], "PCR 11 of the edited command line's boot")).toBe(goodPcr11);
      expect(expectPcrValue(edited.report.pcrs[12], "PCR 12 of the edited command line's boot")).not.toBe(goodPcr12);
    },
    E2E_TIMEOUT_MS * 3,
  );
});
