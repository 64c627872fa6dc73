/**
 * The arm64 scenarios (docs/kexec.md §10–11): ukiboot built for arm64 on this x86_64 machine, in QEMU's
 * virt machine under TCG with Debian's arm64 cloud kernel as the boot kernel. That kernel has no
 * kexec_file_load, so both boots go through ukiboot's kexec_load path: its own segment layout, device tree
 * and purgatory. (a) LinuxBoot style, the target whose .linux is Debian's plain Image; (b) AAVMF starts the
 * boot UKI at EFI/BOOT/BOOTAA64.EFI, and ukiboot boots the default target, whose .linux is an EFI zboot image
 * (c). The targets' sentinels prove the command line and the initrd arrived through the new /chosen.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { ARM64_BOOT_CMDLINE, ARM64_INITRAMFS, arm64Esp, arm64TargetParts } from "../lab/arm64-lab.ts";
import { parseTargetReport } from "../lab/target-system.ts";
import { E2E_TIMEOUT_MS, e2eArm64Ready, runScenario } from "../support/e2e.ts";

let esp: { image: string };
let vmlinuz: string;

beforeAll(async () => {
  await e2eArm64Ready();
  vmlinuz = (await arm64TargetParts()).vmlinuz;
  esp = await arm64Esp();
}, 900_000);

const LOADED_BY_KEXEC_LOAD = "ukiboot: this kernel has no kexec_file_load: loaded with kexec_load";

describe("arm64", () => {
  test(
    "(a) LinuxBoot style: Debian's plain Image target boots through kexec_load with its own command line and initrd",
    async () => {
      const run = await runScenario(
        "arm64-linuxboot-image",
        () => ({
          arch: "arm64",
          kernel: vmlinuz,
          initrd: ARM64_INITRAMFS,
          append: `${ARM64_BOOT_CMDLINE} ukiboot.entry=target-plain-1.0.efi`,
          disks: [{ path: esp.image, iface: "virtio" }],
        }),
        async (vm) => {
          await vm.expect(/UKIBOOT-TARGET-END/, 600_000);
          return { report: parseTargetReport(vm.output), log: vm.output };
        },
      );
      expect(run.log).toContain(LOADED_BY_KEXEC_LOAD);
      expect(run.log).not.toContain("EFI zboot");
      expect(run.report?.name).toBe("plain-1.0");
      expect(run.report?.cmdline).toBe(
        "console=ttyAMA0 panic=-1 quiet UKIBOOT_TARGET=plain-1.0 systemd.set_credential=ukiboot.booted-entry:target-plain-1.0.efi",
      );
      // Files from the UKI's own initrd and from the os-release archive ukiboot appended: the whole merged initrd arrived.
      expect(run.report?.files["/markers/name"]?.size).toBe("plain-1.0\n".length);
      expect(run.report?.files["/.extra/os-release"]).toBeDefined();
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "(b, c) AAVMF starts the boot UKI, which boots the default target, an EFI zboot kernel, keeping EFI runtime services",
    async () => {
      const run = await runScenario(
        "arm64-aavmf-zboot",
        () => ({ arch: "arm64", firmware: "ovmf", disks: [{ path: esp.image, iface: "virtio" }] }),
        async (vm) => {
          await vm.expect(/UKIBOOT-TARGET-END/, 600_000);
          return { report: parseTargetReport(vm.output), log: vm.output };
        },
      );
      expect(run.log).toContain("the firmware booted from it (LoaderDevicePartUUID)");
      expect(run.log).toContain("the kernel is an EFI zboot image with a gzip payload");
      expect(run.log).toContain(LOADED_BY_KEXEC_LOAD);
      expect(run.report?.name).toBe("zboot-2.0");
      expect(run.report?.cmdline).toBe(
        "console=ttyAMA0 panic=-1 quiet UKIBOOT_TARGET=zboot-2.0 systemd.set_credential=ukiboot.booted-entry:target-zboot-2.0.efi",
      );
      expect(run.report?.files["/markers/name"]?.size).toBe("zboot-2.0\n".length);
      // The target found the firmware's runtime services through the tree's linux,uefi-* properties ukiboot kept.
      expect(run.log).toMatch(/UKIBOOT-TARGET-EFI [^\n]*efivars/);
    },
    E2E_TIMEOUT_MS,
  );
});
