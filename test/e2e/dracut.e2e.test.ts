/**
 * ukiboot inside an initramfs made by a real dracut (059, Debian's dracut-core, unpacked and run from
 * .cache/ because it conflicts with initramfs-tools) with the module of initrd-hooks/dracut/. QEMU starts
 * the trixie cloud kernel with that image LinuxBoot style, the demo ESP on NVMe: dracut's init runs udev,
 * waits for root=, runs our pre-mount hook, which runs ukiboot, which kexecs the default UKI.
 *
 * dracut strips every executable of an image by default, which turns a Bun executable into a bare Bun
 * runtime; the module installs ukiboot without its x bits so that strip leaves it whole (and the shim sets
 * them back). This scenario is what showed that: the stub tests of the module could not.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import type { DebianParts } from "../../build/debian.ts";
import { buildDracutImage, type DracutImage } from "../lab/dracut-image.ts";
import { BOOT_KERNEL_CMDLINE, buildEspScenario, DEMO_ESP, type BuiltEsp } from "../lab/esp-scenarios.ts";
import { parseTargetReport } from "../lab/target-system.ts";
import { BINARY, e2eReady, INITRAMFS, runScenario } from "../support/e2e.ts";

let parts: DebianParts;
let esp: BuiltEsp;
let built: DracutImage;
let systemdBuilt: DracutImage;

beforeAll(async () => {
  parts = await e2eReady();
  esp = await buildEspScenario(DEMO_ESP, { initramfs: INITRAMFS });
  built = await buildDracutImage({ kernelVersion: parts.kernelVersion, modulesDir: parts.modulesDir, binary: BINARY });
  systemdBuilt = await buildDracutImage({ kernelVersion: parts.kernelVersion, modulesDir: parts.modulesDir, binary: BINARY, init: "systemd" });
}, 600_000);

/** The `cpio -itv` line of `path` in the image, split into mode, size and path. */
function entry(path: string): { mode: string; size: number } | undefined {
  const line = built.listing.find((l) => l.endsWith(` ${path}`));
  if (!line) return undefined;
  const f = line.split(/\s+/);
  return { mode: f[0]!, size: Number(f[4]) };
}

describe("ukiboot in an initramfs made by dracut", () => {
  test("the image holds ukiboot unstripped (without x bits), the shim, files.list, the pre-mount hook and the ESP modules", () => {
    expect(entry("usr/bin/ukiboot")).toEqual({ mode: "-rw-r--r--", size: statSync(BINARY).size });
    expect(entry("usr/lib/ukiboot/init-shim")?.mode).toBe("-rwxr-xr-x");
    expect(entry("usr/lib/ukiboot/files.list")).toBeDefined();
    expect(entry("usr/lib/dracut/hooks/pre-mount/50-ukiboot-hook.sh")).toBeDefined();
    const base = `usr/lib/modules/${parts.kernelVersion}/kernel`;
    for (const m of ["fs/fat/fat.ko.xz", "fs/fat/vfat.ko.xz", "fs/nls/nls_cp437.ko.xz", "fs/efivarfs/efivarfs.ko.xz", "drivers/block/virtio_blk.ko.xz"]) {
      expect(`${m}: ${entry(`${base}/${m}`) !== undefined}`).toBe(`${m}: true`);
    }
  });

  test("LinuxBoot style: dracut's init runs ukiboot from its pre-mount hook, which kexecs the default UKI", async () => {
    const { report, log } = await runScenario(
      "dracut-nvme",
      // root= only makes dracut wait for a disk and then run the pre-mount hooks; ukiboot boots before
      // anything is mounted, so reaching the target proves ukiboot did it.
      () => ({ kernel: parts.vmlinuz, initrd: built.image, append: `${BOOT_KERNEL_CMDLINE} root=/dev/nvme0n1p1`, disks: [{ path: esp.image, iface: "nvme" }] }),
      async (vm) => {
        // dracut's emergency shell prompt ends the wait early: ukiboot did not boot, and the log says why.
        await vm.expect(/UKIBOOT-TARGET-END|dracut:\/# /, 300_000);
        return { report: parseTargetReport(vm.output), log: vm.output };
      },
    );
    expect(log).toContain("ukiboot: starting ukiboot from the dracut init");
    expect(log).toContain("ukiboot: using ESP /dev/nvme0n1p1");
    expect(report?.name).toBe("demo-2.0");
    // The UKI's own .cmdline, nothing of the boot kernel's.
    expect(report?.cmdline).toBe("console=ttyS0 panic=-1 quiet UKIBOOT_TARGET=demo-2.0 FROM_UKI=1 systemd.set_credential=ukiboot.booted-entry:target-2.0.efi");
  });

  test("a systemd-based initrd (dracut's systemd module, as Fedora-like systems build it): dracut-pre-mount.service runs ukiboot, which kexecs", async () => {
    expect(systemdBuilt.listing.some((l) => / init -> usr\/lib\/systemd\/systemd$/.test(l))).toBe(true);
    expect(systemdBuilt.listing.some((l) => l.endsWith(" usr/lib/dracut/hooks/pre-mount/50-ukiboot-hook.sh"))).toBe(true);
    const { report, log } = await runScenario(
      "dracut-systemd-nvme",
      // systemd.show_status=1: systemd's own lines on the console show who ran the hook.
      () => ({
        kernel: parts.vmlinuz,
        initrd: systemdBuilt.image,
        append: `${BOOT_KERNEL_CMDLINE} systemd.show_status=1 root=/dev/nvme0n1p1`,
        disks: [{ path: esp.image, iface: "nvme" }],
      }),
      async (vm) => {
        await vm.expect(/UKIBOOT-TARGET-END|emergency mode|dracut:\/# /, 300_000);
        return { report: parseTargetReport(vm.output), log: vm.output };
      },
    );
    // systemd (PID 1 of the initrd) started the unit that runs dracut's hooks, and ukiboot ran inside it.
    expect(log).toMatch(/Starting .*dracut-pre-mount.* - dracut pre-mount hook/);
    expect(log).toMatch(/dracut-pre-mount\[\d+\]: ukiboot: started/);
    expect(log).toContain("ukiboot: starting ukiboot from the dracut init");
    expect(log).toContain("ukiboot: using ESP /dev/nvme0n1p1");
    expect(report?.name).toBe("demo-2.0");
    expect(report?.cmdline).toBe("console=ttyS0 panic=-1 quiet UKIBOOT_TARGET=demo-2.0 FROM_UKI=1 systemd.set_credential=ukiboot.booted-entry:target-2.0.efi");
  });
});
