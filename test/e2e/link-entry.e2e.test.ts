/**
 * A `bootctl link` ESP through ukiboot: the real Debian target's UKI linked by bootctl 262 (`bootctl link
 * --extra=…`) as a Type #1 `uki` entry with a credential, a system extension and a configuration extension
 * (docs/entries.md §6), booted under OVMF → ukiboot's boot UKI → kexec. A newer entry that boot counting
 * marked bad is named by loader.conf `preferred`; ukiboot skips it and boots what `default` picks, by the
 * rules of docs/order-and-default.md §5. Only the files are systemd's: systemd-boot never boots this ESP, so
 * what this shows is ukiboot following its own documented reading of those rules, not parity with systemd-boot.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../build/lib/run-command.ts";
import { buildOnce } from "../lab/build-once.ts";
import { DEBIAN_CMDLINE, debianSystem, type DebianSystem } from "../lab/debian-system.ts";
import { makeGptDiskImage } from "../lab/disk-image.ts";
import { BOOT_KERNEL_CMDLINE, buildEspScenario } from "../lab/esp-scenarios.ts";
import { parseLabReport } from "../lab/lab-report.ts";
import { OVMF_VARS } from "../lab/qemu.ts";
import { buildUki } from "../lab/target-system.ts";
import { forkyBootctl } from "../support/bootctl.ts";
import { E2E_TIMEOUT_MS, e2eReady, INITRAMFS, keepConsole, runScenario } from "../support/e2e.ts";

/** The good entry and the newer one whose tries ran out, as bootctl link names them (commit 1 and 2, VERSION_ID 13). */
const GOOD = "debian-commit_1.13.conf";
const BAD = "debian-commit_2.13.conf";
const LOADER_CONF = `timeout 0\npreferred ${BAD}\ndefault debian-commit_*\n`;

let system: DebianSystem;
let disk: string;

beforeAll(async () => {
  const parts = await e2eReady();
  system = await debianSystem();
  const bootctl = await forkyBootctl();
  if (typeof bootctl === "string") throw new Error(`Cannot make the bootctl link ESP: ${bootctl}`);
  const boot = await buildEspScenario(
    {
      name: "link-boot",
      files: [
        { kind: "boot-uki", path: "EFI/BOOT/BOOTX64.EFI", cmdline: BOOT_KERNEL_CMDLINE },
        { kind: "text", path: "loader/loader.conf", text: LOADER_CONF },
      ],
    },
    { initramfs: INITRAMFS },
  );
  const files = [boot.image, system.rootImage, system.vmlinuz, system.initrd, bootctl.bootctl];
  const dir = await buildOnce("link-disk", { inputs: { system, LOADER_CONF }, code: import.meta.path, single: true, files }, async (out) => {
    const tree = join(out, "esp");
    const work = join(out, "work");
    mkdirSync(work, { recursive: true });
    cpSync(boot.tree, tree, { recursive: true });
    const osRelease = 'ID=debian\nVERSION_ID=13\nPRETTY_NAME="Debian GNU/Linux 13 (trixie)"\n';
    const uki = (name: string, cmdline: string) =>
      buildUki(parts, { output: join(work, name), linux: system.vmlinuz, initrds: [system.initrd], cmdline, uname: system.kernelVersion, osRelease });
    await uki("good.efi", `${DEBIAN_CMDLINE} retain_initrd lab.entry=good`);
    await uki("bad.efi", `${DEBIAN_CMDLINE} lab.entry=bad`);
    writeFileSync(join(work, "lab.cred"), "a credential linked with the UKI\n");
    writeFileSync(join(work, "lab.sysext.raw"), new Uint8Array(4096).fill(0x5a));
    writeFileSync(join(work, "lab.confext.raw"), new Uint8Array(4096).fill(0xa5));
    const extras = ["lab.cred", "lab.sysext.raw", "lab.confext.raw"].map((n) => `--extra=${join(work, n)}`);
    await bootctl.write(tree, ["link", "--entry-token=literal:debian", ...extras, join(work, "good.efi")]);
    await bootctl.write(tree, ["link", "--entry-token=literal:debian", "--tries-left=3", join(work, "bad.efi")]);
    // Its three tries are used up: boot counting marked it bad.
    renameSync(join(tree, "loader/entries/debian-commit_2.13+3.conf"), join(tree, "loader/entries/debian-commit_2.13+0-3.conf"));
    const root = join(out, "root.img");
    await run(["cp", "--sparse=always", system.rootImage, root]);
    await makeGptDiskImage(join(out, "disk.img"), [
      { kind: "esp", sizeMiB: 256, tree },
      { kind: "root", sizeMiB: 600, image: root },
    ]);
    rmSync(root);
    rmSync(work, { recursive: true, force: true });
  });
  disk = join(dir, "disk.img");
}, 900_000);

describe("an entry written by bootctl 262's `bootctl link`, with extras (docs/entries.md §6)", () => {
  test(
    "ukiboot boots it with its credential, sysext and confext, and skips loader.conf preferred's entry with no tries left for default's (docs/order-and-default.md §5)",
    async () => {
      const scratch = mkdtempSync(join(tmpdir(), "ukiboot-link-"));
      try {
        const image = join(scratch, "disk.img");
        const vars = join(scratch, "OVMF_VARS.fd");
        await run(["cp", "--sparse=always", disk, image]);
        copyFileSync(OVMF_VARS, vars);
        const name = "link-entry-extras-preferred";
        const log = await runScenario(
          name,
          () => ({ firmware: "ovmf", varsFile: vars, disks: [{ path: image, iface: "nvme" }] }),
          async (vm) => {
            await vm.expect(/LAB-REPORT-END/, 480_000).finally(() => keepConsole(name, vm.output));
            return vm.output;
          },
        );
        const report = parseLabReport(log);
        if (!report) throw new Error(`No report from the Debian target in:\n${log.slice(-3000)}`);
        expect(log).toContain(`Ignoring loader.conf preferred="${BAD}": every entry it matches has no tries left`);
        expect(report.cmdline).toContain("lab.entry=good");
        expect(report.cmdline).not.toContain("lab.entry=bad");
        expect(report.bootedEntry).toBe(GOOD);
        // systemd-boot's archives of the extras, retained by the kernel, and the credential systemd imported.
        expect(report.extras).toEqual(
          expect.arrayContaining([".extra/credentials/lab.cred", ".extra/sysext/lab.sysext.raw", ".extra/confext/lab.confext.raw"]),
        );
        expect(report.credentials).toContain("@encrypted/lab");
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
    E2E_TIMEOUT_MS,
  );
});
