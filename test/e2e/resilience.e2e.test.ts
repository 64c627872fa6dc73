/**
 * Unattended scenarios under QEMU (LinuxBoot style, so each is one boot of the boot kernel): a broken
 * default entry falls back to the next; an ESP disk that appears late is found within ukiboot.wait; no ESP
 * at all ends in a clear message and a working rescue shell; the drivers loaded are those of the disk
 * attached, as the boot kernel's /proc/modules shows; and a target kernel's panic is the scenario's failure,
 * never retried as an emulator fault.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { DebianParts } from "../../build/debian.ts";
import { BENCH_ESP, BOOT_KERNEL_CMDLINE, BROKEN_DEFAULT_ESP, buildEspScenario, DEMO_ESP, PANICKING_TARGET_ESP, type BuiltEsp } from "../lab/esp-scenarios.ts";
import { startVm, type Vm, type VmRetry, withVmRetry } from "../lab/qemu.ts";
import { procModulesDump } from "../lab/proc-modules-dump.ts";
import { parseTargetReport } from "../lab/target-system.ts";
import { E2E_TIMEOUT_MS, e2eReady, INITRAMFS, runScenario } from "../support/e2e.ts";

let parts: DebianParts;
let demo: BuiltEsp;
let broken: BuiltEsp;
let threeUkis: BuiltEsp;
let panicking: BuiltEsp;

beforeAll(async () => {
  parts = await e2eReady();
  demo = await buildEspScenario(DEMO_ESP, { initramfs: INITRAMFS });
  broken = await buildEspScenario(BROKEN_DEFAULT_ESP);
  threeUkis = await buildEspScenario(BENCH_ESP);
  panicking = await buildEspScenario(PANICKING_TARGET_ESP);
}, 600_000);

describe("unattended boot", () => {
  test(
    "a default entry with a truncated kernel is skipped with its reason and the next entry boots",
    async () => {
      const { report, log } = await runScenario(
        "broken-default-falls-back",
        () => ({ kernel: parts.vmlinuz, initrd: INITRAMFS, append: BOOT_KERNEL_CMDLINE, disks: [{ path: broken.image, iface: "nvme" }] }),
        async (vm) => {
          await vm.expect(/UKIBOOT-TARGET-END/, 240_000);
          return { report: parseTargetReport(vm.output), log: vm.output };
        },
      );
      expect(log).toMatch(/ukiboot: Cannot boot ".*broken-9\.0\.efi": the kernel image is truncated/);
      expect(log).toContain('ukiboot: trying the next entry, "Target OS good-2.0" (target-2.0.efi)');
      expect(report?.name).toBe("good-2.0");
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "ukiboot.entry= boots a non-default entry, and ukiboot.esp=LABEL= picks the ESP by its label",
    async () => {
      const { report, log } = await runScenario(
        "entry-override",
        () => ({
          kernel: parts.vmlinuz,
          initrd: INITRAMFS,
          append: `${BOOT_KERNEL_CMDLINE} ukiboot.entry=target-1.* ukiboot.esp=LABEL=ESP ukiboot.timeout=0`,
          disks: [{ path: demo.image, iface: "nvme" }],
        }),
        async (vm) => {
          await vm.expect(/UKIBOOT-TARGET-END/, 240_000);
          return { report: parseTargetReport(vm.output), log: vm.output };
        },
      );
      expect(log).toContain("it matches ukiboot.esp=LABEL=ESP");
      expect(log).toContain('default entry: "Target OS demo-1.0" (target-1.0.efi), chosen by ukiboot.entry');
      expect(report?.name).toBe("demo-1.0");
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "an ESP disk attached after boot starts is found within ukiboot.wait",
    async () => {
      const { report, log } = await runScenario(
        "late-esp-disk",
        () => ({
          kernel: parts.vmlinuz,
          initrd: INITRAMFS,
          append: `${BOOT_KERNEL_CMDLINE} ukiboot.wait=90`,
          disks: [{ path: demo.image, iface: "nvme", deferred: true }],
        }),
        async (vm) => {
          await vm.expect(/ukiboot: waiting for the ESP to appear/, 180_000);
          await vm.attachDeferredDisk(0, { path: demo.image, iface: "nvme", deferred: true });
          await vm.expect(/UKIBOOT-TARGET-END/, 240_000);
          return { report: parseTargetReport(vm.output), log: vm.output };
        },
      );
      expect(log).toMatch(/ukiboot: using ESP \/dev\/nvme\dn1p1/);
      expect(report?.name).toBe("demo-2.0");
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "with no ESP at all, the console says so and the rescue shell works",
    async () => {
      const log = await runScenario(
        "no-esp-rescue-shell",
        () => ({ kernel: parts.vmlinuz, initrd: INITRAMFS, append: `${BOOT_KERNEL_CMDLINE} ukiboot.wait=2` }),
        async (vm) => {
          await vm.expect(/starting a rescue shell/, 180_000);
          await Bun.sleep(1000);
          vm.type("echo RESCUE-$((40+2))\n");
          await vm.expect(/RESCUE-42/, 30_000);
          return vm.output;
        },
      );
      expect(log).toContain("ukiboot: Cannot find the ESP: no disk has a GPT partition of type EFI System Partition");
      expect(log).toContain("Attach the disk holding the ESP, or wait longer with ukiboot.wait=SECONDS");
      expect(log).toContain("ukiboot: exited with status 1");
    },
    E2E_TIMEOUT_MS,
  );
});

describe("drivers by the hardware found (docs/boot-time.md §4)", () => {
  // Debian's cloud kernel has NVMe built in; SATA and virtio disks need modules, loaded only when their device is there.
  for (const disk of [
    { iface: "ahci" as const, name: "SATA (q35's AHCI)", device: "/dev/sda1", driver: "sd_mod", absent: "virtio_blk" },
    { iface: "virtio" as const, name: "virtio-blk", device: "/dev/vda1", driver: "virtio_blk", absent: "sd_mod" },
  ]) {
    test(
      `an ESP on a ${disk.name} disk: the boot kernel has ${disk.driver} loaded (not ${disk.absent}), and the default boots`,
      async () => {
        const { report, log } = await runScenario(
          `esp-on-${disk.iface}`,
          // ukiboot.debug: PID 1 dumps the boot kernel's /proc/modules just before the boot decides.
          () => ({
            kernel: parts.vmlinuz,
            initrd: INITRAMFS,
            append: `${BOOT_KERNEL_CMDLINE} ukiboot.debug`,
            disks: [{ path: threeUkis.image, iface: disk.iface }],
          }),
          async (vm) => {
            await vm.expect(/UKIBOOT-TARGET-END/, 240_000);
            return { report: parseTargetReport(vm.output), log: vm.output };
          },
        );
        // The kernel's list, not ukiboot's "loaded modules:" line; it throws when the dump is missing or unreadable.
        const inKernel = procModulesDump(log);
        expect(inKernel).toContain(disk.driver);
        expect(inKernel).not.toContain(disk.absent);
        expect(log).toContain(`ukiboot: using ESP ${disk.device} `);
        expect(report?.name).toBe("bench-3.0");
      },
      E2E_TIMEOUT_MS,
    );
  }
});

describe("the emulator-fault rule (docs/kexec.md §9)", () => {
  test(
    "a target that panics on root=/dev/nonexistent fails at once: one boot, no retry",
    async () => {
      let boots = 0;
      let vm: Vm | undefined;
      const retries: VmRetry[] = [];
      const err = await withVmRetry(
        () => {
          boots++;
          vm = startVm({ kernel: parts.vmlinuz, initrd: INITRAMFS, append: BOOT_KERNEL_CMDLINE, disks: [{ path: panicking.image, iface: "nvme" }] });
          return vm;
        },
        async (v) => {
          await v.expect(/UKIBOOT-TARGET-END/, 240_000);
        },
        { onRetry: (r) => retries.push(r) },
      ).then(
        () => null,
        (e: Error) => e,
      );
      const console = vm?.output.replace(/\r/g, "") ?? "";
      expect(err?.message).toStartWith("QEMU exited");
      // ukiboot handed over (its lines come first), then the target kernel panicked and QEMU exited.
      expect(console).toContain("ukiboot: started");
      expect(console.indexOf("Kernel panic - not syncing: VFS: Unable to mount root fs")).toBeGreaterThan(console.indexOf("ukiboot: started"));
      expect(boots).toBe(1);
      expect(retries).toEqual([]);
    },
    E2E_TIMEOUT_MS,
  );
});
