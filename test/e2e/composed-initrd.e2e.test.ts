/**
 * QEMU scenario: a UKI with .ucode, a global and a per-UKI add-on (.cmdline and .initrd each),
 * credentials, global credentials, a sysext and a confext. ukiboot's dry run shows the stub's member order;
 * then, from the rescue shell, `ukiboot load` + `ukiboot exec` boot it, and the target sees the composed
 * command line and every file with the right SHA-256.
 */
import { beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { DebianParts } from "../../build/debian.ts";
import { BOOT_KERNEL_CMDLINE, buildEspScenario, COMPOSED_ESP, type BuiltEsp } from "../lab/esp-scenarios.ts";
import { parseTargetReport } from "../lab/target-system.ts";
import { inspectPeFile } from "../../src/report/inspect-pe.ts";
import { NodeFs } from "../../src/linux/node-fs.ts";
import { E2E_TIMEOUT_MS, e2eReady, INITRAMFS, runScenario } from "../support/e2e.ts";

let parts: DebianParts;
let esp: BuiltEsp;

beforeAll(async () => {
  parts = await e2eReady();
  esp = await buildEspScenario(COMPOSED_ESP);
}, 600_000);

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

test(
  "the target gets the stub's command line and every generated archive and add-on initrd; load + exec boot it",
  async () => {
    const report = await inspectPeFile(new NodeFs(), join(esp.tree, "EFI/Linux/full.efi"), { arch: "x64" });
    const osrel = report.sections.find((s) => s.name === ".osrel")!;
    const { target, log } = await runScenario(
      "composed-initrd-load-exec",
      () => ({ kernel: parts.vmlinuz, initrd: INITRAMFS, append: `${BOOT_KERNEL_CMDLINE} ukiboot.dry-run`, disks: [{ path: esp.image, iface: "nvme" }] }),
      async (vm) => {
        await vm.expect(/starting a rescue shell/, 240_000);
        await Bun.sleep(1000);
        vm.type("mkdir -p /mnt/esp && mount -t vfat -o ro /dev/nvme0n1p1 /mnt/esp && ukiboot load --esp /mnt/esp && ukiboot exec\n");
        await vm.expect(/UKIBOOT-TARGET-END/, 240_000);
        return { target: parseTargetReport(vm.output), log: vm.output.replace(/\r/g, "") };
      },
    );
    // The dry run lists the members in systemd-stub 257's order.
    const order = [
      "UKI .ucode",
      "UKI .initrd",
      "credentials archive",
      "global credentials archive",
      "system extension archive",
      "configuration extension archive",
      "/.extra/os-release archive",
      'add-on .initrd of "global.addon.efi"',
      'add-on .initrd of "local.addon.efi"',
    ].map((k) => log.indexOf(k));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(log).toContain(
      "Loaded full.efi with: console=ttyS0 panic=-1 quiet UKIBOOT_TARGET=full GLOBAL_ADDON=1 LOCAL_ADDON=1 systemd.set_credential=ukiboot.booted-entry:full.efi",
    );

    expect(target?.name).toBe("full");
    // .cmdline, then the global add-on's, then the UKI's own add-on's.
    expect(target?.cmdline).toBe(
      "console=ttyS0 panic=-1 quiet UKIBOOT_TARGET=full GLOBAL_ADDON=1 LOCAL_ADDON=1 systemd.set_credential=ukiboot.booted-entry:full.efi",
    );
    const files = target!.files;
    const expectFile = (path: string, content: string) =>
      expect({ path, ...files[path] }).toEqual({ path, size: Buffer.byteLength(content), sha256: sha(content) });
    expectFile("/.extra/credentials/a.cred", "credential a\n");
    expectFile("/.extra/credentials/b.cred", "credential b\n");
    expectFile("/.extra/global_credentials/g.cred", "global credential\n");
    expectFile("/.extra/sysext/tools.raw", "a system extension image\n");
    expectFile("/.extra/confext/etc.confext.raw", "a configuration extension image\n");
    expectFile("/etc/addon-markers/global", "from the global add-on\n");
    expectFile("/etc/addon-markers/local", "from the UKI's own add-on\n");
    expectFile("/kernel/x86/microcode/GenuineIntel.bin", "not really microcode\n");
    expect(files["/.extra/os-release"]?.sha256).toBe(osrel.sha256);
  },
  E2E_TIMEOUT_MS,
);
