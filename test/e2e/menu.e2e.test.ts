/**
 * Issue 5's QEMU scenario: the menu driven over the serial console as a person would: move to the second
 * entry, edit its command line, append a token, boot; the target's sentinel shows the token.
 */
import { beforeAll, expect, test } from "bun:test";
import type { DebianParts } from "../../build/debian.ts";
import { BOOT_KERNEL_CMDLINE, buildEspScenario, DEMO_ESP, type BuiltEsp } from "../lab/esp-scenarios.ts";
import { parseTargetReport } from "../lab/target-system.ts";
import { E2E_TIMEOUT_MS, e2eReady, INITRAMFS, runScenario } from "../support/e2e.ts";

let parts: DebianParts;
let demo: BuiltEsp;

beforeAll(async () => {
  parts = await e2eReady();
  demo = await buildEspScenario(DEMO_ESP, { initramfs: INITRAMFS });
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
    expect(report?.cmdline).toBe("console=ttyS0 panic=-1 quiet UKIBOOT_TARGET=demo-1.0 UKIBOOT_TOKEN=menu-e2e systemd.set_credential=ukiboot.booted-entry:target-1.0.efi");
    expect(log).not.toContain("Boot in 0 s.");
  },
  E2E_TIMEOUT_MS,
);
