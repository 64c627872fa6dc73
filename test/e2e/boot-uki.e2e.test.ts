/**
 * Two end-to-end scenarios: the compiled ukiboot in its initramfs finds the ESP on an NVMe disk,
 * kexecs the default UKI (built by the real ukify and systemd-stub), and the target prints its sentinel with
 * the UKI's own command line. (a) LinuxBoot style: QEMU starts the Debian kernel with our initramfs.
 * (b) Firmware: OVMF boots the boot UKI at EFI/BOOT/BOOTX64.EFI on the same ESP.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { BOOT_KERNEL_CMDLINE, buildEspScenario, DEMO_ESP, type BuiltEsp } from "../lab/esp-scenarios.ts";
import { parseTargetReport } from "../lab/target-system.ts";
import type { DebianParts } from "../../build/debian.ts";
import { E2E_TIMEOUT_MS, e2eReady, INITRAMFS, runScenario } from "../support/e2e.ts";

let parts: DebianParts;
let esp: BuiltEsp;

beforeAll(async () => {
  parts = await e2eReady();
  esp = await buildEspScenario(DEMO_ESP, { initramfs: INITRAMFS });
}, 600_000);

describe("booting a UKI end to end", () => {
  test(
    "LinuxBoot style: the target's sentinel shows the default UKI's own command line",
    async () => {
      const report = await runScenario(
        "linuxboot-nvme",
        () => ({ kernel: parts.vmlinuz, initrd: INITRAMFS, append: BOOT_KERNEL_CMDLINE, disks: [{ path: esp.image, iface: "nvme" }] }),
        async (vm) => {
          await vm.expect(/UKIBOOT-TARGET-END/, 240_000);
          return { report: parseTargetReport(vm.output), log: vm.output };
        },
      );
      expect(report.log).toContain("ukiboot: using ESP /dev/nvme0n1p1");
      expect(report.report?.name).toBe("demo-2.0");
      // Exactly the .cmdline ukify embedded: nothing of the boot kernel's own command line leaks through.
      expect(report.report?.cmdline).toBe(
        "console=ttyS0 panic=-1 quiet UKIBOOT_TARGET=demo-2.0 FROM_UKI=1 systemd.set_credential=ukiboot.booted-entry:target-2.0.efi",
      );
      expect(report.report?.files["/markers/name"]?.size).toBe("demo-2.0\n".length);
      // kexec_file_load marks the boot protocol's type_of_loader as kexec (0xD0): the hooks' loop guard relies on it.
      expect(report.report?.typeOfLoader).toBe("d0");
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "firmware boot: OVMF starts the boot UKI from the ESP, which kexecs the target UKI",
    async () => {
      const report = await runScenario(
        "ovmf-boot-uki",
        () => ({ firmware: "ovmf", disks: [{ path: esp.image, iface: "nvme" }] }),
        async (vm) => {
          await vm.expect(/UKIBOOT-TARGET-END/, 300_000);
          return { report: parseTargetReport(vm.output), log: vm.output };
        },
      );
      expect(report.log).toContain("ukiboot: started");
      expect(report.report?.name).toBe("demo-2.0");
      expect(report.report?.cmdline).toBe(
        "console=ttyS0 panic=-1 quiet UKIBOOT_TARGET=demo-2.0 FROM_UKI=1 systemd.set_credential=ukiboot.booted-entry:target-2.0.efi",
      );
    },
    E2E_TIMEOUT_MS,
  );
});
