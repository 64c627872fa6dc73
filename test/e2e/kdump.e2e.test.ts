/**
 * ukiboot on a running system (docs/kdump.md), with the real Debian target (test/lab/debian-system.ts):
 * - kdump: ukiboot-kdump.service loads a crash kernel from the UKI the system was booted from; a sysrq crash
 *   starts it, and Debian's kdump-tools-dump.service saves the dump with makedumpfile onto the root disk,
 *   which the test reads afterwards. Once with the line rewritten, once under Secure Boot, where only a
 *   signed kdump add-on may add the crash options.
 * - kexec: `ukiboot load` (ukiboot-kexec.service) then `systemctl kexec` lands in the next UKI with its
 *   add-on, credential and sysext; then a plain `systemctl kexec` (systemd 257 with kexec-tools) on the same
 *   ESP, for contrast.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type DebianParts, REPO_ROOT } from "../../build/debian.ts";
import { run } from "../../build/lib/run-command.ts";
import { buildOnce } from "../lab/build-once.ts";
import { DEBIAN_CMDLINE, debianSystem, type DebianSystem } from "../lab/debian-system.ts";
import { makeGptDiskImage } from "../lab/disk-image.ts";
import { BOOT_KERNEL_CMDLINE, buildEspScenario } from "../lab/esp-scenarios.ts";
import { parseLabReport, type LabReport } from "../lab/lab-report.ts";
import { changeRoot, extractRoot, listRoot, readRoot, type RootChange } from "../lab/root-image.ts";
import { signWithSnakeoil } from "../lab/secure-boot.ts";
import { buildAddon, buildUki } from "../lab/target-system.ts";
import { BINARY, E2E_TIMEOUT_MS, e2eReady, INITRAMFS, keepConsole, perTestScratch, runScenario } from "../support/e2e.ts";

const ESP_MIB = 256;
/** The root file system grown from the system's 600 MiB, so that the dump fits beside the system. */
const ROOT_MIB = 1024;
/** What the UKIs of these scenarios reserve for the crash kernel. */
const CRASHKERNEL = "crashkernel=384M";
/** The options a signed kdump add-on carries under Secure Boot, where the UKI's line cannot change. */
const KDUMP_ADDON_CMDLINE = "reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll lab.kdump-addon=1";

const UNITS = join(REPO_ROOT, "build", "systemd");

/**
 * The kdump initrd Debian's kdump-tools uses on a dracut system, which has no initramfs-tools to build its
 * own: the kernel's /boot/initrd.img-<version> (kdump-config falls back to it). The Secure Boot scenario
 * keeps the UKI's own merged initrd, so both ways are booted.
 */
const KDUMP_CONF = "# the distribution's kdump initrd, as kdump-tools would pick it\ninitrd /boot/initrd.img-%k\n";

/** Reports what the loaded crash kernel is, then crashes the system (run by lab-report at the end of the boot). */
const CRASH_NEXT = `#!/bin/sh
echo "LAB-KDUMP-LOADED $(cat /sys/kernel/kexec_crash_loaded) $(cat /sys/kernel/kexec_crash_size)"
SYSTEMD_COLORS=0 systemctl status --no-pager --full --lines=20 ukiboot-kdump.service 2>&1 | sed 's/^/LAB-KDUMP-STATUS /'
echo "LAB-KDUMP-CRASHING"
sync
echo c > /proc/sysrq-trigger
`;

/**
 * Three boots in one machine: (1) `systemctl start ukiboot-kexec` then `systemctl kexec`; (2) a plain
 * `systemctl kexec` with nothing loaded, which systemd does with kexec-tools; (3) power off.
 */
const KEXEC_NEXT = `#!/bin/sh
mkdir -p /var/lib/lab
stage=$(cat /var/lib/lab/stage 2>/dev/null || echo 0)
echo $((stage + 1)) > /var/lib/lab/stage
sync
case $stage in
0)
  systemctl start ukiboot-kexec.service
  SYSTEMD_COLORS=0 systemctl status --no-pager --full --lines=20 ukiboot-kexec.service 2>&1 | sed 's/^/LAB-KEXEC-STATUS /'
  echo "LAB-KEXEC-LOADED $(cat /sys/kernel/kexec_loaded)"
  echo "LAB-KEXEC-GO ukiboot"
  systemctl kexec ;;
1)
  echo "LAB-KEXEC-LOADED $(cat /sys/kernel/kexec_loaded)"
  echo "LAB-KEXEC-GO plain"
  SYSTEMD_LOG_LEVEL=debug systemctl kexec >/run/lab-kexec.log 2>&1
  code=$?
  sed 's/^/LAB-KEXEC-PLAIN /' /run/lab-kexec.log
  echo "LAB-KEXEC-PLAIN-EXIT $code"
  # When systemctl kexec did start, the shutdown it began is under way: let it reach the next kernel.
  [ "$code" = 0 ] && sleep 300
  systemctl poweroff ;;
*)
  systemctl poweroff ;;
esac
`;

let parts: DebianParts;
let system: DebianSystem;

/** ukiboot and the lab's next step in the system; `enable`: units linked into multi-user.target.wants. */
function rootChanges(next: string, units: string[], enable: string[]): RootChange[] {
  return [
    { kind: "file", path: "/usr/bin/ukiboot", from: BINARY, mode: 0o755 },
    ...units.map((u): RootChange => ({ kind: "file", path: `/etc/systemd/system/${u}`, from: join(UNITS, u) })),
    ...enable.map((u): RootChange => ({ kind: "symlink", path: `/etc/systemd/system/multi-user.target.wants/${u}`, target: `/etc/systemd/system/${u}` })),
    { kind: "text", path: "/usr/local/sbin/lab-next", text: next, mode: 0o755 },
  ];
}

/** A GPT disk: an ESP with `tree`, and the Debian root with `changes`. */
async function diskWith(out: string, tree: string, changes: RootChange[]): Promise<string> {
  const root = join(out, "root.img");
  await run(["cp", "--sparse=always", system.rootImage, root]);
  await run(["e2fsck", "-fy", root], { okCodes: [0, 1] });
  await run(["resize2fs", root, `${ROOT_MIB}M`]);
  await changeRoot(root, changes);
  await makeGptDiskImage(join(out, "disk.img"), [
    { kind: "esp", sizeMiB: ESP_MIB, tree },
    { kind: "root", sizeMiB: ROOT_MIB, image: root },
  ]);
  await run(["rm", "-f", root]);
  return join(out, "disk.img");
}

/** The Debian system's kernel and dracut initrd as a UKI made by ukify, as kernel-install would, with `cmdline`. */
function debianUki(output: string, cmdline: string, linux = system.vmlinuz): Promise<string> {
  return buildUki(parts, {
    output,
    linux,
    initrds: [system.initrd],
    cmdline,
    uname: system.kernelVersion,
    osRelease: 'ID=debian\nVERSION_ID=13\nPRETTY_NAME="Debian GNU/Linux 13 (trixie)"\n',
  });
}

let kdumpDisk: string;
let secureDisk: string;
let kexecDisk: string;

beforeAll(async () => {
  parts = await e2eReady();
  system = await debianSystem();
  const units = [join(UNITS, "ukiboot-kdump.service"), join(UNITS, "ukiboot-kexec.service")];
  const common = { system, CRASH_NEXT, KEXEC_NEXT, KDUMP_ADDON_CMDLINE, CRASHKERNEL, KDUMP_CONF };
  const files = [system.rootImage, system.vmlinuz, system.initrd, BINARY, ...units];

  // kdump, no Secure Boot: booted LinuxBoot-style, the line is rewritten from the defaults.
  kdumpDisk = await buildOnce("kdump-disk", { inputs: common, code: import.meta.path, single: true, files }, async (out) => {
    const tree = join(out, "esp");
    mkdirSync(join(tree, "loader"), { recursive: true });
    writeFileSync(join(tree, "loader/loader.conf"), "timeout 0\n");
    await debianUki(join(tree, "EFI/Linux/debian-kdump.efi"), `${DEBIAN_CMDLINE} ${CRASHKERNEL}`);
    await diskWith(out, tree, [
      ...rootChanges(CRASH_NEXT, ["ukiboot-kdump.service"], ["ukiboot-kdump.service"]),
      { kind: "dir", path: "/etc/ukiboot" },
      { kind: "text", path: "/etc/ukiboot/kdump.conf", text: KDUMP_CONF },
    ]);
  }).then((d) => join(d, "disk.img"));

  // kdump under Secure Boot: the signed boot UKI, a UKI whose kernel and whole image the snakeoil key signed,
  // and a signed kdump add-on in its extra.d/kdump/.
  const boot = await buildEspScenario(
    {
      name: "kdump-secure-boot",
      files: [
        { kind: "boot-uki", path: "EFI/BOOT/BOOTX64.EFI", cmdline: BOOT_KERNEL_CMDLINE, secureBoot: true },
        { kind: "text", path: "loader/loader.conf", text: "timeout 0\n" },
      ],
    },
    { initramfs: INITRAMFS },
  );
  secureDisk = await buildOnce("kdump-secure-disk", { inputs: common, code: import.meta.path, single: true, files: [...files, boot.image] }, async (out) => {
    const tree = join(out, "esp");
    const work = join(out, "work");
    mkdirSync(work, { recursive: true });
    cpSync(boot.tree, tree, { recursive: true });
    await signWithSnakeoil(system.vmlinuz, join(work, "vmlinuz"));
    await debianUki(join(work, "debian-kdump.efi"), `${DEBIAN_CMDLINE} ${CRASHKERNEL}`, join(work, "vmlinuz"));
    await buildAddon(parts, { output: join(work, "crash.addon.efi"), cmdline: KDUMP_ADDON_CMDLINE });
    // Signed in the work directory (sbsign leaves its input next to the output), then placed.
    await signWithSnakeoil(join(work, "debian-kdump.efi"), join(work, "debian-kdump.signed.efi"));
    await signWithSnakeoil(join(work, "crash.addon.efi"), join(work, "crash.addon.signed.efi"));
    mkdirSync(join(tree, "EFI/Linux/debian-kdump.efi.extra.d/kdump"), { recursive: true });
    copyFileSync(join(work, "debian-kdump.signed.efi"), join(tree, "EFI/Linux/debian-kdump.efi"));
    copyFileSync(join(work, "crash.addon.signed.efi"), join(tree, "EFI/Linux/debian-kdump.efi.extra.d/kdump/crash.addon.efi"));
    await diskWith(out, tree, rootChanges(CRASH_NEXT, ["ukiboot-kdump.service"], ["ukiboot-kdump.service"]));
    await run(["rm", "-rf", work]);
  }).then((d) => join(d, "disk.img"));

  // kexec: debian-a (booted first, by ukiboot.entry=) and debian-b, the newer default, with an add-on, a
  // credential and a system extension next to it, and retain_initrd so the target can show what it got.
  kexecDisk = await buildOnce("kexec-disk", { inputs: common, code: import.meta.path, single: true, files }, async (out) => {
    const tree = join(out, "esp");
    mkdirSync(join(tree, "loader"), { recursive: true });
    writeFileSync(join(tree, "loader/loader.conf"), "timeout 0\n");
    await debianUki(join(tree, "EFI/Linux/debian-a-1.0.efi"), `${DEBIAN_CMDLINE} lab.entry=a`);
    await debianUki(join(tree, "EFI/Linux/debian-b-2.0.efi"), `${DEBIAN_CMDLINE} retain_initrd lab.entry=b`);
    const extra = join(tree, "EFI/Linux/debian-b-2.0.efi.extra.d");
    await buildAddon(parts, { output: join(extra, "lab.addon.efi"), cmdline: "lab.addon=1" });
    writeFileSync(join(extra, "lab.cred"), "a credential next to the UKI\n");
    writeFileSync(join(extra, "lab.sysext.raw"), new Uint8Array(4096).fill(0x5a));
    await diskWith(out, tree, rootChanges(KEXEC_NEXT, ["ukiboot-kexec.service"], []));
  }).then((d) => join(d, "disk.img"));
}, 1_800_000);

/** Each test's disk copies (about 2 GiB with the root read back): removed after the test. */
const scratchDir = perTestScratch();

/** A writable copy of `disk`. */
async function copyOf(disk: string, prefix: string): Promise<{ dir: string; image: string }> {
  const dir = scratchDir(prefix);
  const image = join(dir, "disk.img");
  await run(["cp", "--sparse=always", disk, image]);
  return { dir, image };
}

/** The kernel command lines the kernels of one machine printed at boot ("Command line: …"), in order. */
function kernelCmdlines(log: string): string[] {
  return [...log.matchAll(/\] Command line: (.*?)\r?$/gm)].map((m) => m[1]!.trim());
}

/** The crash kernel's line: the last one printed, which starts with the elfcorehdr= its kexec loader adds. */
function crashCmdline(log: string): string {
  const line = kernelCmdlines(log).at(-1) ?? "";
  expect(line).toMatch(/^elfcorehdr=0x[0-9a-f]+ /);
  return line.replace(/^elfcorehdr=\S+ /, "");
}

interface CrashRun {
  log: string;
  /** The LAB-KDUMP lines: what was loaded, and `systemctl status ukiboot-kdump`. */
  status: string;
  /** The first boot's report, before the crash. */
  report: LabReport;
  /** The root file system after the crash kernel rebooted, journal replayed. */
  root: string;
}

/** Boots `disk` until the crash kernel has saved the dump and rebooted (QEMU -no-reboot ends then). */
async function crashAndDump(name: string, disk: string, vm: { secure: boolean }): Promise<CrashRun> {
  const { dir, image } = await copyOf(disk, "ukiboot-kdump-");
  const log = await runScenario(
    name,
    () =>
      vm.secure
        ? { firmware: "ovmf-secure-boot", disks: [{ path: image, iface: "nvme" }] }
        : { kernel: parts.vmlinuz, initrd: INITRAMFS, append: BOOT_KERNEL_CMDLINE, disks: [{ path: image, iface: "nvme" }] },
    async (m) => {
      try {
        await m.expect(/LAB-KDUMP-CRASHING/, 600_000);
        // The crash kernel boots, kdump-tools saves the dump and reboots: -no-reboot makes QEMU exit.
        await m.expect(/kdump-tools: (saved|failed to save) vmcore in/, 900_000);
        await Promise.race([m.exited, Bun.sleep(120_000)]);
      } finally {
        keepConsole(name, m.output);
      }
      return m.output;
    },
  );
  expect(log.includes("failed to save vmcore")).toBe(false);
  const report = parseLabReport(log);
  if (!report) throw new Error(`No report from the Debian target before the crash:\n${log.slice(-3000)}`);
  const root = join(dir, "root.img");
  await extractRoot(image, 1 + ESP_MIB, ROOT_MIB, root);
  const status = log
    .split("\n")
    .filter((l) => l.includes("LAB-KDUMP-"))
    .map((l) => l.trim())
    .join("\n");
  return { log, status, report, root };
}

/** The dump kdump-tools saved: /var/crash/<stamp>/dump.<stamp> and dmesg.<stamp>. */
async function savedDump(root: string): Promise<{ stamp: string; dump: { size: number; head: string }; dmesg: string }> {
  const stamps = (await listRoot(root, "/var/crash")).filter((e) => /^\d{12}$/.test(e.name));
  if (stamps.length !== 1) throw new Error(`Expected one dump directory in /var/crash, found: ${stamps.map((s) => s.name).join(", ") || "none"}`);
  const stamp = stamps[0]!.name;
  const files = await listRoot(root, `/var/crash/${stamp}`);
  const dump = files.find((f) => f.name === `dump.${stamp}`);
  if (!dump) throw new Error(`No dump.${stamp} in /var/crash/${stamp}: ${files.map((f) => f.name).join(", ")}`);
  const head = new TextDecoder().decode((await readRoot(root, `/var/crash/${stamp}/dump.${stamp}`)).subarray(0, 16));
  const dmesg = new TextDecoder().decode(await readRoot(root, `/var/crash/${stamp}/dmesg.${stamp}`));
  return { stamp, dump: { size: dump.size, head }, dmesg };
}

describe("kdump from a UKI", () => {
  test(
    "ukiboot-kdump.service loads a crash kernel from the booted UKI with the line rewritten and the distribution's kdump initrd; a sysrq crash starts it and kdump-tools saves a makedumpfile dump to the root disk",
    async () => {
      const { log, status, report, root } = await crashAndDump("kdump-rewritten-line", kdumpDisk, { secure: false });
      expect(report.cmdline).toContain(CRASHKERNEL);
      expect(status).toContain("LAB-KDUMP-LOADED 1 402653184");
      // systemctl status shows what was loaded, from the unit's own output.
      expect(status).toContain(
        'Loaded the crash kernel from "debian-kdump.efi", the entry this system was booted from (the ukiboot.booted-entry credential on the kernel command line)',
      );
      expect(status).toContain("rewritten for a crash kernel; removed: crashkernel=384M");
      // /etc/ukiboot/kdump.conf: the distribution's kdump initrd replaces the merged one, %k filled in.
      expect(status).toContain(`initrd: "/boot/initrd.img-${system.kernelVersion}"`);
      expect(status).toContain("reserved by crashkernel=: 384.0 MiB");
      expect(status).toContain("not measured: a crash kernel starts only after a crash");
      expect(log.includes("Kernel panic - not syncing: sysrq triggered crash")).toBe(true);
      // The crash kernel's line: the UKI's, crashkernel= gone, the kdump options added.
      const crash = crashCmdline(log);
      expect(crash).toStartWith("root=LABEL=lab-root ro console=ttyS0");
      expect(crash).not.toContain("crashkernel=");
      for (const w of ["reset_devices", "systemd.unit=kdump-tools-dump.service", "nr_cpus=1", "irqpoll"]) expect(crash.split(" ")).toContain(w);
      expect(/running makedumpfile .*\/proc\/vmcore/.test(log)).toBe(true);
      const saved = await savedDump(root);
      // makedumpfile -F writes its flattened format, which starts with its signature.
      expect(saved.dump.head).toStartWith("makedumpfile");
      expect(saved.dump.size).toBeGreaterThan(1 << 20);
      // The dmesg of the crashed kernel, read from the dump: the crash that started it all.
      expect(saved.dmesg).toContain("sysrq triggered crash");
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "under Secure Boot the UKI's signed line stays as it is and the signed kdump add-on adds the crash options; the dump is saved",
    async () => {
      const { log, status, report, root } = await crashAndDump("kdump-secure-boot-addon", secureDisk, { secure: true });
      expect(log.includes("ukiboot: signatures: enforce because Secure Boot is on")).toBe(true);
      expect(status).toContain("LAB-KDUMP-LOADED 1 402653184");
      expect(status).toContain("kdump add-ons: /efi/EFI/Linux/debian-kdump.efi.extra.d/kdump/crash.addon.efi");
      expect(status).toContain("the UKI's signed command line, with only the kdump add-ons' options added");
      expect(status).toContain("initrd: the entry's own, 2 members");
      // The signed line is untouched (crashkernel= stays), the add-on's options follow it, nothing else.
      const crash = crashCmdline(log);
      expect(crash).toBe(`${DEBIAN_CMDLINE} ${CRASHKERNEL} ${KDUMP_ADDON_CMDLINE}`);
      // A normal boot never reads kdump/: the add-on's options are not on the first boot's line.
      expect(report.cmdline).not.toContain("lab.kdump-addon=1");
      const saved = await savedDump(root);
      expect(saved.dump.head).toStartWith("makedumpfile");
      expect(saved.dmesg).toContain("sysrq triggered crash");
    },
    E2E_TIMEOUT_MS,
  );
});

describe("systemctl kexec through ukiboot, and without it", () => {
  test(
    "ukiboot load then systemctl kexec lands in the default UKI with its add-on, credential and sysext; a plain systemctl kexec on the same ESP is recorded for contrast",
    async () => {
      const { image } = await copyOf(kexecDisk, "ukiboot-kexec-");
      const name = "kexec-ukiboot-then-plain";
      const log = await runScenario(
        name,
        () => ({
          kernel: parts.vmlinuz,
          initrd: INITRAMFS,
          append: `${BOOT_KERNEL_CMDLINE} ukiboot.entry=debian-a-1.0.efi`,
          disks: [{ path: image, iface: "nvme" }],
        }),
        async (m) => {
          try {
            await m.expect(/LAB-KEXEC-GO plain/, 900_000);
            await m.expect(/LAB-KEXEC-PLAIN-EXIT|LAB-REPORT-END[^]*LAB-REPORT-END[^]*LAB-REPORT-END/, 600_000);
            await Promise.race([m.exited, Bun.sleep(180_000)]);
          } finally {
            keepConsole(name, m.output);
          }
          return m.output;
        },
      );
      const reports = log
        .split("LAB-REPORT-END")
        .slice(0, -1)
        .map((part) => parseLabReport(`${part}LAB-REPORT-END`)!);
      const [first, viaUkiboot] = reports;
      // The lab's lines only, so that a failure shows them and not the whole console.
      const lab = log
        .split("\n")
        .filter((l) => l.includes("LAB-KEXEC"))
        .map((l) => l.trim())
        .join("\n");
      expect(first!.cmdline).toContain("lab.entry=a");
      expect(lab).toMatch(/LAB-KEXEC-STATUS .*Loaded debian-b-2\.0\.efi with: .*lab\.addon=1/);
      expect(lab).toContain("LAB-KEXEC-LOADED 1");
      // Through ukiboot: the add-on's word, the credential and the sysext, as systemd-stub hands them over.
      expect(viaUkiboot!.cmdline).toContain("lab.entry=b");
      expect(viaUkiboot!.cmdline).toContain("lab.addon=1");
      // systemd imports a .cred the stub passes as an encrypted credential.
      expect(viaUkiboot!.credentials).toContain("@encrypted/lab");
      expect(viaUkiboot!.extras).toContain(".extra/credentials/lab.cred");
      expect(viaUkiboot!.extras).toContain(".extra/sysext/lab.sysext.raw");
      expect(viaUkiboot!.bootedEntry).toBe("debian-b-2.0.efi");
      // Without ukiboot, systemd 257 finds the same default entry and hands the UKI to kexec-tools, which
      // cannot load a UKI: nothing is loaded, systemctl fails, and the system stays up (no third boot).
      expect(lab).toContain('LAB-KEXEC-PLAIN Found default boot loader entry in file "/efi/EFI/Linux/debian-b-2.0.efi"');
      expect(lab).toMatch(
        /LAB-KEXEC-PLAIN Running \/usr\/sbin\/kexec --load "\/efi\/EFI\/Linux\/debian-b-2\.0\.efi" --append "root=LABEL=lab-root ro console=ttyS0 systemd\.show_status=error retain_initrd lab\.entry=b"/,
      );
      expect(lab).toContain("LAB-KEXEC-PLAIN Cannot determine the file type of /efi/EFI/Linux/debian-b-2.0.efi");
      expect(lab).toContain("LAB-KEXEC-PLAIN-EXIT 1");
      expect(reports).toHaveLength(2);
    },
    E2E_TIMEOUT_MS * 2,
  );
});
