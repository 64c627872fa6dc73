/**
 * ukiboot inside an initramfs made by a real generator. Debian's mkinitramfs (initramfs-tools)
 * builds the image for the trixie cloud kernel with the hook of initrd-hooks/initramfs-tools/; QEMU starts
 * that kernel and image LinuxBoot style with the demo ESP on NVMe. initramfs-tools' init runs udev, then our
 * init-premount script, which runs ukiboot, which kexecs the default UKI: the target prints its sentinel.
 * A second boot without an ESP shows what happens when ukiboot returns: initramfs-tools goes on with its own
 * boot, which (without root=) ends in its own rescue shell.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { dirname } from "node:path";
import type { DebianParts } from "../../build/debian.ts";
import { BOOT_KERNEL_CMDLINE, buildEspScenario, DEMO_ESP, type BuiltEsp } from "../lab/esp-scenarios.ts";
import { parseTargetReport } from "../lab/target-system.ts";
import { buildMkinitramfsImage, type MkinitramfsImage } from "../lab/mkinitramfs-image.ts";
import { BINARY, e2eReady, INITRAMFS, runScenario } from "../support/e2e.ts";

// The mount namespace mkinitramfs runs in needs root; elsewhere these scenarios are skipped, and say so.
const isRoot = process.getuid?.() === 0;
if (!isRoot)
  console.warn("the initramfs-tools scenarios will not run (npm test counts them as failed): building with mkinitramfs needs root (a private mount namespace)");

let parts: DebianParts;
let esp: BuiltEsp;
let built: MkinitramfsImage;

beforeAll(async () => {
  if (!isRoot) return;
  parts = await e2eReady();
  esp = await buildEspScenario(DEMO_ESP, { initramfs: INITRAMFS });
  built = await buildMkinitramfsImage({ kernelVersion: parts.kernelVersion, modulesDir: parts.modulesDir, bootDir: dirname(parts.vmlinuz), binary: BINARY });
}, 600_000);

describe("ukiboot in an initramfs made by Debian's mkinitramfs", () => {
  test.skipIf(!isRoot)("the image holds ukiboot, its shim, files.list, the init-premount script and the ESP modules", () => {
    const has = (p: string) => built.contents.includes(p);
    expect(has("usr/bin/ukiboot")).toBe(true);
    expect(has("usr/lib/ukiboot/init-shim")).toBe(true);
    expect(has("usr/lib/ukiboot/files.list")).toBe(true);
    expect(has("scripts/init-premount/ukiboot")).toBe(true);
    // copy_exec resolved the runtime's shared libraries.
    expect(has("usr/lib/x86_64-linux-gnu/libc.so.6")).toBe(true);
    // The shim loads these with the image's modprobe; Debian's cloud kernel builds nvme in.
    const base = `usr/lib/modules/${parts.kernelVersion}/kernel`;
    for (const m of [
      "fs/fat/fat.ko",
      "fs/fat/vfat.ko",
      "fs/nls/nls_cp437.ko",
      "fs/nls/nls_ascii.ko",
      "fs/efivarfs/efivarfs.ko",
      "drivers/block/virtio_blk.ko",
    ]) {
      expect(`${m}: ${has(`${base}/${m}`)}`).toBe(`${m}: true`);
    }
    expect(built.log).not.toMatch(/^E:/m);
  });

  test.skipIf(!isRoot)("LinuxBoot style: initramfs-tools' init runs ukiboot, which kexecs the default UKI", async () => {
    const { report, log } = await runScenario(
      "initramfs-tools-nvme",
      // No root=: nothing but ukiboot can boot this machine, so reaching the target proves ukiboot did it.
      () => ({ kernel: parts.vmlinuz, initrd: built.image, append: BOOT_KERNEL_CMDLINE, disks: [{ path: esp.image, iface: "nvme" }] }),
      async (vm) => {
        await vm.expect(/UKIBOOT-TARGET-END/, 300_000);
        return { report: parseTargetReport(vm.output), log: vm.output };
      },
    );
    expect(log).toContain("ukiboot: starting ukiboot from the initramfs-tools init");
    expect(log).toContain("ukiboot: not loading modules (UKIBOOT_NO_MODULES=1)");
    expect(log).toContain("ukiboot: using ESP /dev/nvme0n1p1");
    expect(report?.name).toBe("demo-2.0");
    // The UKI's own .cmdline, nothing of the boot kernel's.
    expect(report?.cmdline).toBe("console=ttyS0 panic=-1 quiet UKIBOOT_TARGET=demo-2.0 FROM_UKI=1 systemd.set_credential=ukiboot.booted-entry:target-2.0.efi");
  });

  test.skipIf(!isRoot)("when ukiboot returns, initramfs-tools goes on with its own boot and its rescue shell", async () => {
    const log = await runScenario(
      "initramfs-tools-no-esp",
      // No panic=, so initramfs-tools' panic() opens its shell instead of rebooting.
      () => ({ kernel: parts.vmlinuz, initrd: built.image, append: "console=ttyS0 quiet ukiboot.wait=2" }),
      async (vm) => {
        await vm.expect(/\(initramfs\)/, 240_000);
        await Bun.sleep(1000);
        vm.type("echo RESCUE-$((40+2))\n");
        await vm.expect(/RESCUE-42/, 30_000);
        return vm.output;
      },
    );
    expect(log).toContain("ukiboot: Cannot find the ESP: no disk has a GPT partition of type EFI System Partition");
    expect(log).toContain("ukiboot: exited with status 1: nothing could be booted");
    expect(log).toContain("ukiboot: continuing with the initramfs-tools boot");
    // initramfs-tools' own message once it finds no root= to mount.
    expect(log).toContain("No root device specified");
  });
});
