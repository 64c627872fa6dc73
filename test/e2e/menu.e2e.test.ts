/**
 * QEMU scenario: the menu driven over the serial console as a person would: move to the second
 * entry, edit its command line, append a token, boot; the target's sentinel shows the token.
 */
import { beforeAll, expect, test } from "bun:test";
import type { DebianParts } from "../../build/debian.ts";
import { BENCH_ESP, BOOT_KERNEL_CMDLINE, buildEspScenario, DEMO_ESP, type BuiltEsp } from "../lab/esp-scenarios.ts";
import { parseTargetReport } from "../lab/target-system.ts";
import { E2E_TIMEOUT_MS, e2eReady, INITRAMFS, runScenario } from "../support/e2e.ts";

let parts: DebianParts;
let demo: BuiltEsp;
let hidden: BuiltEsp;

beforeAll(async () => {
  parts = await e2eReady();
  demo = await buildEspScenario(DEMO_ESP, { initramfs: INITRAMFS });
  hidden = await buildEspScenario(BENCH_ESP);
}, 600_000);

test(
  "the serial-console menu boots the second entry with an edited command line",
  async () => {
    const { report, log } = await runScenario(
      "menu-over-serial",
      () => ({ kernel: parts.vmlinuz, initrd: INITRAMFS, append: BOOT_KERNEL_CMDLINE, disks: [{ path: demo.image, iface: "nvme" }] }),
      async (vm) => {
        await vm.expect(/Boot in \d s\./, 240_000);
        vm.type("\x1b[B"); // ↓: stops the countdown and selects the second entry
        await vm.expect(/> +Target OS demo-1\.0/, 30_000);
        vm.type("e");
        await vm.expect(/Esc cancel/, 30_000);
        vm.type(" UKIBOOT_TOKEN=menu-e2e\r");
        await vm.expect(/UKIBOOT-TARGET-END/, 240_000);
        return { report: parseTargetReport(vm.output), log: vm.output };
      },
    );
    expect(report?.name).toBe("demo-1.0");
    expect(report?.cmdline).toBe(
      "console=ttyS0 panic=-1 quiet UKIBOOT_TARGET=demo-1.0 UKIBOOT_TOKEN=menu-e2e systemd.set_credential=ukiboot.booted-entry:target-1.0.efi",
    );
    expect(log).not.toContain("Boot in 0 s.");
  },
  E2E_TIMEOUT_MS,
);

test(
  "timeout 0: a hotkey typed while ukiboot starts, before the hidden menu's window, boots its entry",
  async () => {
    const { report, log } = await runScenario(
      "hidden-menu-early-key",
      () => ({ kernel: parts.vmlinuz, initrd: INITRAMFS, append: BOOT_KERNEL_CMDLINE, disks: [{ path: hidden.image, iface: "nvme" }] }),
      async (vm) => {
        await vm.expect(/ukiboot: started/, 240_000);
        // Typed before the ESP is even found: the console's input buffer keeps it until the window reads it.
        vm.type("2");
        await vm.expect(/UKIBOOT-TARGET-END/, 240_000);
        return { report: parseTargetReport(vm.output), log: vm.output };
      },
    );
    // Without the key the newest (bench-3.0) boots; "2" is the second entry in menu order.
    expect(report?.name).toBe("bench-2.0");
    expect(log).toMatch(/ukiboot: default entry: "Target OS bench-3\.0"/);
  },
  E2E_TIMEOUT_MS,
);
