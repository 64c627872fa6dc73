/**
 * arm64 end to end (issue 17, docs/kexec.md §10): qemu-system-aarch64's virt machine under TCG, Debian's
 * arm64 cloud kernel, ukiboot built for arm64 in its initramfs, and target UKIs made by ukify with the arm64
 * stub. (a) LinuxBoot style: the kernel started by QEMU, ukiboot kexecs the UKI whose kernel is the plain
 * Image Debian ships. (b) AAVMF starts the boot UKI at EFI/BOOT/BOOTAA64.EFI, and ukiboot kexecs the default
 * UKI, whose kernel is wrapped as an EFI zboot image that ukiboot decompresses first. Two boots, because arm64
 * under TCG is slow.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { DebianArm64Parts } from "../../build/debian.ts";
import { debianArm64Parts } from "../../build/debian.ts";
import { ARM64_BOOT_CMDLINE, ARM64_INITRAMFS, arm64Esp, arm64Ready } from "../lab/arm64-lab.ts";
import { parseTargetReport } from "../lab/target-system.ts";
import { E2E_TIMEOUT_MS, keepConsole, newestSource, runScenario } from "../support/e2e.ts";

let parts: DebianArm64Parts;
let esp: { image: string };

beforeAll(async () => {
  parts = await debianArm64Parts();
  await arm64Ready(newestSource());
  esp = await arm64Esp();
}, 900_000);

describe("arm64", () => {
  test(
    "(a) LinuxBoot style: the boot kernel with ukiboot's arm64 initramfs kexecs a UKI with a plain Image",
    async () => {
      const name = "arm64-linuxboot";
      const log = await runScenario(
        name,
        () => ({ arch: "arm64", kernel: parts.vmlinuz, initrd: ARM64_INITRAMFS, append: `${ARM64_BOOT_CMDLINE} ukiboot.entry=target-plain-1.0.efi`, disks: [{ path: esp.image, iface: "nvme" }] }),
        async (vm) => {
          await vm.expect(/UKIBOOT-TARGET-END/, 600_000).finally(() => keepConsole(name, vm.output));
          return vm.output;
        },
      );
      expect(log).toContain("ukiboot: using ESP /dev/nvme0n1p1");
      const report = parseTargetReport(log);
      expect(report?.name).toBe("plain-1.0");
      expect(report?.cmdline).toBe("console=ttyAMA0 panic=-1 quiet UKIBOOT_TARGET=plain-1.0 systemd.set_credential=ukiboot.booted-entry:target-plain-1.0.efi");
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "(b, c) AAVMF → boot UKI → ukiboot → the default UKI, whose kernel is an EFI zboot image ukiboot decompresses",
    async () => {
      const name = "arm64-aavmf-zboot";
      const log = await runScenario(
        name,
        () => ({ arch: "arm64", firmware: "ovmf", disks: [{ path: esp.image, iface: "nvme" }] }),
        async (vm) => {
          await vm.expect(/UKIBOOT-TARGET-END/, 600_000).finally(() => keepConsole(name, vm.output));
          return vm.output;
        },
      );
      expect(log).toContain("ukiboot: the kernel is an EFI zboot image with a gzip payload: ukiboot decompresses it before kexec_file_load");
      const report = parseTargetReport(log);
      expect(report?.name).toBe("zboot-2.0");
      // Started by UEFI, the target sees EFI; kexec passed it on.
      expect(report?.cmdline).toContain("UKIBOOT_TARGET=zboot-2.0");
    },
    E2E_TIMEOUT_MS,
  );
});
