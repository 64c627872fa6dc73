/**
 * Trust without bypass, with Secure Boot on in real firmware: Debian's OVMF secboot code with the snakeoil
 * variables, SMM, a boot UKI and target kernels signed with the snakeoil key (test/lab/secure-boot.ts). The
 * Debian boot kernel locks itself down under Secure Boot and accepts target kernels through its platform
 * keyring (db). See docs/trust.md.
 */
import { beforeAll, expect, test } from "bun:test";
import { buildEspScenario, type BuiltEsp, SECURE_BOOT_ESP, SECURE_BOOT_NOTHING_ESP } from "../lab/esp-scenarios.ts";
import { parseTargetReport } from "../lab/target-system.ts";
import { E2E_TIMEOUT_MS, e2eReady, INITRAMFS, runScenario } from "../support/e2e.ts";

let esp: BuiltEsp;
let nothing: BuiltEsp;

beforeAll(async () => {
  await e2eReady();
  esp = await buildEspScenario(SECURE_BOOT_ESP, { initramfs: INITRAMFS });
  nothing = await buildEspScenario(SECURE_BOOT_NOTHING_ESP, { initramfs: INITRAMFS });
}, 900_000);

test(
  "Secure Boot on: ukiboot reports it and lockdown, refuses a kernel ukiboot cannot verify, a kernel the boot kernel does not trust and a changed UKI, then boots the signed one",
  async () => {
    const { report, log } = await runScenario(
      "secure-boot-fallbacks",
      () => ({ firmware: "ovmf-secure-boot", disks: [{ path: esp.image, iface: "nvme" }] }),
      async (vm) => {
        await vm.expect(/UKIBOOT-TARGET-END/, 300_000);
        return { report: parseTargetReport(vm.output), log: vm.output };
      },
    );
    // (a) Secure Boot and lockdown are seen, and enforce follows from them.
    expect(log).toContain("ukiboot: signatures: enforce because Secure Boot is on; kernel lockdown: integrity");
    // (c) A Type #1 kernel signed by nobody db trusts is refused by ukiboot itself.
    expect(log).toMatch(/ukiboot: Cannot boot "\/run\/ukiboot\/esp\/vmlinuz-debian": its signer "[^"]*Debian[^"]*"[^\n]* chains to no trusted certificate/);
    // (f) A signed UKI whose .linux only Debian signed: the locked-down kernel refuses it, and the hint says why.
    expect(log).toMatch(
      /ukiboot: Cannot load "\/run\/ukiboot\/esp\/EFI\/Linux\/target-3\.0\.efi": kexec_file_load\(.*\) failed with (EPERM|EKEYREJECTED|ENOKEY)/,
    );
    expect(log).toMatch(
      /(lockdown is on and the kernel image is not signed by a key this kernel trusts|must itself be signed by a key the running kernel trusts|not in the running kernel's keyring)/,
    );
    // (b) A changed .cmdline byte breaks the UKI's signature: refused with the reason, and the next entry boots.
    expect(log).toMatch(
      /ukiboot: Cannot boot "\/run\/ukiboot\/esp\/EFI\/Linux\/target-2\.0\.efi": its Authenticode sha256 digest [0-9a-f]{64} does not match the signed digest [0-9a-f]{64}: the image was changed after signing/,
    );
    expect(report?.name).toBe("signed-1.0");
  },
  E2E_TIMEOUT_MS,
);

test(
  "Secure Boot on and nothing bootable: the menu refuses e and Q, offers no Rescue Shell, and power off ends it",
  async () => {
    const { log, exit } = await runScenario(
      "secure-boot-no-shell",
      () => ({ firmware: "ovmf-secure-boot", disks: [{ path: nothing.image, iface: "nvme" }] }),
      async (vm) => {
        await vm.expect(/Boot in \d s\./, 300_000);
        // (d) The editor is refused for a UKI with .cmdline, and Q opens nothing.
        vm.type("e");
        await vm.expect(/Entry not editable in SecureBoot mode\./, 30_000);
        vm.type("Q");
        await vm.expect(/The rescue shell is not available\./, 30_000);
        // (e) Booting the only entry fails: its reason on the error screen, then back to the list.
        vm.type("\r");
        await vm.expect(/Cannot boot .*target-2\.0\.efi/, 120_000);
        // The error screen takes keys only after its guard (ui/state/menu-state.ts ERROR_KEY_GUARD_MS).
        await Bun.sleep(2000);
        vm.type("\r");
        await Bun.sleep(2000);
        vm.type("O");
        // The console is read once QEMU has exited and its pipe is drained, so that it holds the kernel's last words.
        const exit = await Promise.race([vm.exited, Bun.sleep(120_000).then(() => -1)]);
        await Bun.sleep(500);
        return { log: vm.output, exit };
      },
    );
    expect(log).toContain("Reboot The System");
    expect(log).not.toContain("Rescue Shell");
    expect(log).not.toContain("starting a rescue shell");
    // "Power Off The System" ended it: the boot kernel powered the machine off, and nothing panicked on the way.
    expect(log).toContain("reboot: Power down");
    expect(log).not.toContain("Kernel panic");
    expect(exit).toBe(0);
  },
  E2E_TIMEOUT_MS,
);
