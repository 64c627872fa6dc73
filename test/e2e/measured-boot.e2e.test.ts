/**
 * A LinuxBoot-style boot (no firmware measures anything into PCR 11 or 12) with a software TPM: ukiboot
 * measures the UKI as systemd-stub would, and the target's PCR 11 must equal what the real systemd-measure
 * 257 computes for the very UKI file on the ESP, from sections Python's pefile cut out of it
 * (test/lab/systemd-measure.ts), so ukiboot's own PE reading and prediction are not what the boot is checked
 * against. PCR 12 holds the add-on's command line; the measurement log reaches /.extra.
 */
import { afterEach, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { DebianParts } from "../../build/debian.ts";
import { BOOT_KERNEL_CMDLINE, buildEspScenario, MEASURED_ESP, SYSTEMD_MEASURED_ESP, type BuiltEsp } from "../lab/esp-scenarios.ts";
import { parseSystemdTargetReport } from "../lab/systemd-target/report.ts";
import { startQemuSwtpm, type QemuSwtpm } from "../lab/swtpm-socket.ts";
import { systemdMeasureUki } from "../lab/systemd-measure.ts";
import { parseTargetReport } from "../lab/target-system.ts";
import { E2E_TIMEOUT_MS, e2eReady, INITRAMFS, runScenario } from "../support/e2e.ts";
import { expectPcrValue } from "../support/pcr-value.ts";

let parts: DebianParts;
let esp: BuiltEsp;
let systemdEsp: BuiltEsp;
const tpms: QemuSwtpm[] = [];

beforeAll(async () => {
  parts = await e2eReady();
  esp = await buildEspScenario(MEASURED_ESP);
  systemdEsp = await buildEspScenario(SYSTEMD_MEASURED_ESP);
}, 600_000);

afterEach(async () => {
  for (const t of tpms.splice(0)) await t.stop();
});

/** PCR := H(PCR ‖ H(data)) from zero, SHA-256. */
function extendFromZero(...events: Uint8Array[]): string {
  let pcr = new Uint8Array(32);
  for (const e of events) pcr = new Uint8Array(createHash("sha256").update(pcr).update(createHash("sha256").update(e).digest()).digest());
  return Buffer.from(pcr).toString("hex");
}

const utf16WithNul = (s: string) => new Uint8Array(Buffer.from(`${s}\0`, "utf16le"));

/** systemd-measure's value for the UKI at `path` after `phase` ("" for the sections alone), checked to be one. */
async function systemdMeasure(path: string, phase: string): Promise<string> {
  const [p] = await systemdMeasureUki(path, [phase]);
  if (p?.phase !== phase) throw new Error(`systemd-measure gave no value for phase path "${phase}" of "${path}"`);
  return expectPcrValue(p.hash, `systemd-measure's PCR 11 for "${path}" after "${phase}"`);
}

test(
  "after kexec, PCR 11 equals systemd-measure's value for the UKI's sections and PCR 12 holds the add-on command line",
  async () => {
    // The busybox target runs no systemd, so PCR 11 holds the sections and no phase word: systemd-measure's
    // value for the empty phase path.
    const expected = await systemdMeasure(join(esp.tree, "EFI/Linux/measured.efi"), "");
    const { report, log } = await runScenario(
      "measured-boot-swtpm",
      () => {
        const tpm = startQemuSwtpm();
        tpms.push(tpm);
        return { kernel: parts.vmlinuz, initrd: INITRAMFS, append: BOOT_KERNEL_CMDLINE, disks: [{ path: esp.image, iface: "nvme" }], tpmSocket: tpm.socket };
      },
      async (vm) => {
        await vm.expect(/UKIBOOT-TARGET-END/, 300_000);
        return { report: parseTargetReport(vm.output), log: vm.output.replace(/\r/g, "") };
      },
    );
    expect(report?.name).toBe("measured");
    expect(expectPcrValue(report?.pcr11, "PCR 11 of the measured boot")).toBe(expected);
    expect(expectPcrValue(report?.pcr12, "PCR 12 of the measured boot")).toBe(extendFromZero(utf16WithNul("ADDON_MEASURED=1")));
    expect(report?.files["/.extra/tpm2-measure.log"]).toBeDefined();
    // No EFI here: the drop-in credentials that make systemd measure its phases without --graceful.
    // The booted-entry credential, then the phase words (docs/command-line.md §6).
    expect(report?.cmdline).toContain(
      "ADDON_MEASURED=1 systemd.set_credential=ukiboot.booted-entry:measured.efi SYSTEMD_FORCE_MEASURE=1 systemd.set_credential_binary=systemd.unit-dropin.systemd-pcrphase-initrd.service~50-ukiboot-no-efi:",
    );
    expect(log).toContain("added SYSTEMD_FORCE_MEASURE to the command line");
  },
  E2E_TIMEOUT_MS,
);

test(
  "a systemd target measures enter-initrd on top, and PCR 11 equals systemd-measure's enter-initrd prediction",
  async () => {
    const expected = await systemdMeasure(join(systemdEsp.tree, "EFI/Linux/systemd.efi"), "enter-initrd");
    const report = await runScenario(
      "measured-boot-systemd-phases",
      () => {
        const tpm = startQemuSwtpm();
        tpms.push(tpm);
        return {
          kernel: parts.vmlinuz,
          initrd: INITRAMFS,
          append: BOOT_KERNEL_CMDLINE,
          disks: [{ path: systemdEsp.image, iface: "nvme" }],
          tpmSocket: tpm.socket,
        };
      },
      async (vm) => {
        await vm.expect(/SYSTEMD-TARGET-END stage=initrd/, 400_000);
        return parseSystemdTargetReport(vm.output, "initrd");
      },
    );
    expect(expectPcrValue(report?.pcr11, "PCR 11 of the systemd target's initrd")).toBe(expected);
  },
  E2E_TIMEOUT_MS,
);
