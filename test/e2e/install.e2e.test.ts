/**
 * ukiboot installed on a Debian trixie system as a person would install it (docs/install.md), under Secure
 * Boot with the snakeoil db key, the NVRAM kept between three starts:
 * 1. Started by the lab's signed boot UKI, the system runs its own `bootctl install` (systemd-boot signed
 *    with the db key beside Debian's, as bootctl wants it), `apt install` of ukiboot's package, then
 *    `ukiboot install` without a key (refused, nothing changed) and with `--sign-key`/`--sign-cert`.
 * 2. The firmware starts ukiboot's Boot#### first; ukiboot boots the system's UKI. A kernel update lands:
 *    status says it is due, `kernel-install add` (whose plugin runs `ukiboot update`) makes it current.
 *    Then `ukiboot remove`, and the new kernel goes again.
 * 3. The firmware starts systemd-boot again, and the ESP holds what `bootctl install` left.
 */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { buildDeb } from "../../build/deb.ts";
import type { DebianParts } from "../../build/debian.ts";
import { run } from "../../build/lib/run-command.ts";
import { buildOnce } from "../lab/build-once.ts";
import { DEBIAN_CMDLINE, debianSystem, type DebianSystem, ENTRY_TOKEN } from "../lab/debian-system.ts";
import { makeGptDiskImage } from "../lab/disk-image.ts";
import { BOOT_KERNEL_CMDLINE, buildEspScenario, type EspScenario } from "../lab/esp-scenarios.ts";
import { parseLabReport, pcrlockVerdicts, splitMeasurements, type LabReport } from "../lab/lab-report.ts";
import { changeRoot, extractRoot, readRoot } from "../lab/root-image.ts";
import { SNAKEOIL_CERT, SNAKEOIL_VARS, signWithSnakeoil, snakeoilKey } from "../lab/secure-boot.ts";
import { startQemuSwtpm, type QemuSwtpm } from "../lab/swtpm-socket.ts";
import { systemdProgram257 } from "../lab/systemd-measure.ts";
import { buildUki } from "../lab/target-system.ts";
import { expectPcrValue } from "../support/pcr-value.ts";
import { tpmTimedOut } from "../lab/qemu.ts";
import { BINARY, E2E_TIMEOUT_MS, e2eReady, INITRAMFS, keepConsole, perTestScratch, runScenario } from "../support/e2e.ts";

const scratchDir = perTestScratch();
const ESP_MIB = 320;
const ROOT_MIB = 1200;
const SYSTEMD_BOOT = "usr/lib/systemd/boot/efi/systemd-bootx64.efi";

/** The first start only: the lab's signed boot UKI as the fallback loader, until the system installs systemd-boot. */
const FIRST_START: EspScenario = {
  name: "install-first-start",
  files: [
    { kind: "boot-uki", path: "EFI/BOOT/BOOTX64.EFI", cmdline: BOOT_KERNEL_CMDLINE, secureBoot: true },
    { kind: "text", path: "loader/loader.conf", text: "timeout 0\n" },
  ],
};

/** `6.12.57+deb13-cloud-amd64` → `6.12.58+deb13-cloud-amd64`: the next point release's version. */
function nextPointRelease(release: string): string {
  const m = /^(\d+\.\d+\.)(\d+)(.*)$/.exec(release);
  if (!m) throw new Error(`Cannot make the next point release of the kernel version "${release}"`);
  return `${m[1]}${Number(m[2]) + 1}${m[3]}`;
}

/**
 * Runs after each report, one step per start, counted on the root file system. Each command's output is
 * tagged, and its exit status follows as `<TAG>-STATUS n`.
 */
function labNext(kver: string, newer: string): string {
  return `#!/bin/sh
step=$(cat /var/lib/lab-step 2>/dev/null || echo 0)
echo $((step + 1)) > /var/lib/lab-step
sync
tagged() { tag=$1; shift; out=$("$@" 2>&1); s=$?; printf '%s\\n' "$out" | sed "s/^/$tag /"; echo "$tag-STATUS $s"; }
esp_sums() { (cd /efi && find . -type f | LC_ALL=C sort | xargs sha256sum) | sed "s/^/$1 /"; }
case $step in
0)
  tagged LAB-BOOTCTL-INSTALL bootctl install --no-pager
  esp_sums LAB-ESP-BOOTCTL
  tagged LAB-APT apt-get install -y /root/ukiboot.deb
  tagged LAB-EFIBOOTMGR-BEFORE efibootmgr -v
  tagged LAB-REFUSED ukiboot install
  esp_sums LAB-ESP-REFUSED
  tagged LAB-EFIBOOTMGR-REFUSED efibootmgr -v
  start=$(date +%s%N)
  tagged LAB-INSTALL ukiboot install --sign-key /root/db.key --sign-cert /root/db.crt
  echo "LAB-INSTALL-MS $((($(date +%s%N) - start) / 1000000))"
  echo "LAB-IMAGE-BYTES $(stat -c %s /efi/EFI/ukiboot/ukibootx64.efi)"
  tagged LAB-EFIBOOTMGR efibootmgr -v
  ;;
1)
  tagged LAB-EFIBOOTMGR efibootmgr -v
  tagged LAB-STATUS-BOOTED ukiboot status
  # The pcrlock file of the image this start went through, kept for the host, and systemd-pcrlock's own.
  cp /var/lib/pcrlock.d/640-ukiboot-boot-image.pcrlock /root/boot-image.pcrlock
  tagged LAB-LOCK-UKI /usr/lib/systemd/systemd-pcrlock lock-uki /efi/EFI/ukiboot/ukibootx64.efi --pcrlock=/root/lock-uki.pcrlock
  tagged LAB-PCRLOCK-CMP cmp /root/boot-image.pcrlock /root/lock-uki.pcrlock
  # A kernel update as a kernel package makes one: its files land, then its postinst runs kernel-install.
  cp /boot/vmlinuz-${kver} /boot/vmlinuz-${newer}
  cp /boot/config-${kver} /boot/config-${newer}
  ln -s ${kver} /lib/modules/${newer}
  tagged LAB-STATUS-NEWER ukiboot status
  tagged LAB-KERNEL-INSTALL-ADD kernel-install add ${newer} /boot/vmlinuz-${newer} /boot/initrd.img-${kver}
  tagged LAB-STATUS-UPDATED ukiboot status
  tagged LAB-REMOVE ukiboot remove
  rm /boot/vmlinuz-${newer} /boot/config-${newer} /lib/modules/${newer}
  tagged LAB-KERNEL-INSTALL-REMOVE kernel-install remove ${newer}
  esp_sums LAB-ESP-REMOVED
  tagged LAB-EFIBOOTMGR-REMOVED efibootmgr -v
  ;;
2)
  tagged LAB-EFIBOOTMGR efibootmgr -v
  ;;
esac
echo LAB-NEXT-END
sync
systemctl poweroff
`;
}

let system: DebianSystem;
let disk: string;
let newer: string;
/** systemd-pcrlock 257's lock-uki of the system's UKI on the ESP: its PCR 11 events as systemd-stub makes them. */
let systemLock: string;

/** The system's kernel and initrd as a UKI, the kernel and the whole image signed with the db key (kexec under lockdown wants both). */
async function signedSystemUki(parts: DebianParts, work: string, output: string): Promise<void> {
  await signWithSnakeoil(system.vmlinuz, join(work, "vmlinuz"));
  await buildUki(parts, {
    output: join(work, "system.efi"),
    linux: join(work, "vmlinuz"),
    initrds: [system.initrd],
    cmdline: DEBIAN_CMDLINE,
    uname: system.kernelVersion,
    osRelease: 'ID=debian\nVERSION_ID=13\nPRETTY_NAME="Debian GNU/Linux 13 (trixie)"\n',
  });
  // Signed in the work directory (sbsign leaves its input next to the output), then placed.
  await signWithSnakeoil(join(work, "system.efi"), join(work, "system.signed.efi"));
  mkdirSync(dirname(output), { recursive: true });
  copyFileSync(join(work, "system.signed.efi"), output);
}

beforeAll(async () => {
  const parts = await e2eReady();
  system = await debianSystem();
  newer = nextPointRelease(system.kernelVersion);
  const next = labNext(system.kernelVersion, newer);
  const first = await buildEspScenario(FIRST_START, { initramfs: INITRAMFS });
  const dir = await buildOnce(
    "install-disk",
    { inputs: { system, next, ESP_MIB, ROOT_MIB }, code: import.meta.path, single: true, files: [first.image, system.rootImage, BINARY] },
    async (out) => {
      const work = join(out, "work");
      const tree = join(out, "esp");
      mkdirSync(work, { recursive: true });
      cpSync(first.tree, tree, { recursive: true });
      // The system's UKI, uncounted so that the ESP stays as it is from one start to the next.
      await signedSystemUki(parts, work, join(tree, "EFI/Linux", `${ENTRY_TOKEN}-${system.kernelVersion}.efi`));
      const deb = await buildDeb({ binary: BINARY, arch: "x64", outDir: mkdtempSync(join(tmpdir(), "install-deb-")), level: 0 });
      const root = join(out, "root.img");
      await run(["cp", "--sparse=always", system.rootImage, root]);
      // Room for the package, what it unpacks, and the boot images ukiboot builds in /var/tmp.
      await run(["e2fsck", "-fy", root], { okCodes: [0, 1] });
      await run(["resize2fs", root, `${ROOT_MIB - 4}M`]);
      // bootctl installs systemd-bootx64.efi.signed when there is one: here signed with the db key, as a
      // machine with its own keys has it.
      const bootloader = join(work, "systemd-bootx64.efi");
      await Bun.write(bootloader, await readRoot(root, SYSTEMD_BOOT));
      await signWithSnakeoil(bootloader, join(work, "systemd-bootx64.efi.signed"));
      const { key } = await snakeoilKey();
      await changeRoot(root, [
        { kind: "file", path: "/root/ukiboot.deb", from: deb },
        { kind: "file", path: "/root/db.key", from: key, mode: 0o600 },
        { kind: "file", path: "/root/db.crt", from: SNAKEOIL_CERT },
        { kind: "file", path: `/${SYSTEMD_BOOT}.signed`, from: join(work, "systemd-bootx64.efi.signed") },
        { kind: "text", path: "/usr/local/sbin/lab-next", text: next, mode: 0o755 },
      ]);
      await makeGptDiskImage(join(out, "disk.img"), [
        { kind: "esp", sizeMiB: ESP_MIB, tree },
        { kind: "root", sizeMiB: ROOT_MIB, image: root },
      ]);
      rmSync(root);
      rmSync(work, { recursive: true });
    },
  );
  disk = join(dir, "disk.img");
  const lock = join(dir, "system-uki.pcrlock");
  await run([
    ...(await systemdProgram257("systemd-pcrlock")),
    "lock-uki",
    join(dir, "esp/EFI/Linux", `${ENTRY_TOKEN}-${system.kernelVersion}.efi`),
    `--pcrlock=${lock}`,
  ]);
  systemLock = await Bun.file(lock).text();
}, 900_000);

/** The sha256 digests of a pcrlock file's PCR 11 records, in order. */
function pcr11Digests(pcrlock: string): string[] {
  const { records } = JSON.parse(pcrlock) as { records: { pcr: number; digests: { hashAlg: string; digest: string }[] }[] };
  return records.filter((r) => r.pcr === 11).map((r) => r.digests.find((d) => d.hashAlg === "sha256")!.digest);
}

/**
 * What the system's own systemd extended into PCR 11 (its boot phases), from its measurement log: a phase
 * the TPM failed to take (a TCG-slow TPM times out now and then) is missing from the log as from the PCR.
 */
function loggedPcr11(report: LabReport): string[] {
  expect(report.unreadableMeasurements).toEqual([]);
  return splitMeasurements(report)
    .own.filter((r) => r.pcr === 11)
    .map((r) => Buffer.from(r.digests.find((d) => d.algorithm === "sha256")!.digest).toString("hex"));
}

/** PCR 11 (sha256) after these event digests from zero: PCR := H(PCR ‖ digest). */
function replayPcr11(digests: string[]): string {
  let pcr: Uint8Array = new Uint8Array(32);
  for (const d of digests) pcr = createHash("sha256").update(pcr).update(Buffer.from(d, "hex")).digest();
  return Buffer.from(pcr).toString("hex");
}

const tpms: QemuSwtpm[] = [];
afterEach(async () => {
  await Promise.all(tpms.splice(0).map((t) => t.stop()));
});

/** One start, with a new software TPM: every start begins from PCRs at zero, as a machine's does. */
async function start(name: string, image: string, vars: string): Promise<{ report: LabReport; log: string }> {
  return runScenario(
    name,
    () => {
      const tpm = startQemuSwtpm();
      tpms.push(tpm);
      return { firmware: "ovmf-secure-boot", varsFile: vars, disks: [{ path: image, iface: "nvme" }], tpmSocket: tpm.socket };
    },
    async (vm) => {
      await vm.expect(/LAB-NEXT-END/, 900_000).finally(() => keepConsole(name, vm.output));
      const report = parseLabReport(vm.output);
      if (!report) throw new Error(`No report from the Debian system in:\n${vm.tail()}`);
      // A system degraded only because swtpm answered late is the machine's fault: thrown here, the boot is run
      // again (test/lab/qemu.ts tpmTimedOut); any other state is left to the checks below.
      if (report.state !== "running" && tpmTimedOut(vm.output)) throw new Error(`The Debian system is ${report.state}: a TPM command timed out`);
      await Promise.race([vm.exited, Bun.sleep(120_000)]);
      return { report, log: vm.output };
    },
  );
}

/** The lines tagged `tag`, without it. */
const lines = (log: string, tag: string) =>
  log
    .split(/\r?\n/)
    .filter((l) => l.startsWith(`${tag} `))
    .map((l) => l.slice(tag.length + 1));
const status = (log: string, tag: string) => lines(log, `${tag}-STATUS`);
const bootOrder = (entries: string[]) =>
  entries
    .find((l) => l.startsWith("BootOrder: "))
    ?.slice("BootOrder: ".length)
    .split(",");
const BOOT_ENTRY = /^Boot([0-9A-F]{4})\* ukiboot\tHD\(1,GPT,[0-9a-f-]{36},0x800,0x[0-9a-f]+\)\/File\(\\EFI\\ukiboot\\ukibootx64\.efi\)$/;
/** systemd-boot-random-seed.service refreshes the seed at every start by design; every other file must match. */
const withoutSeed = (sums: string[]) => sums.map((l) => (l.endsWith(" ./loader/random-seed") ? "(refreshed) ./loader/random-seed" : l));

describe("ukiboot installed on a Debian system by its package, under Secure Boot", () => {
  test(
    "refused without a key; installed signed after bootctl install and started first by the firmware; kept current across a kernel update; removed, systemd-boot starts again and the ESP is as bootctl left it",
    async () => {
      const dir = scratchDir("ukiboot-install-");
      const image = join(dir, "disk.img");
      const vars = join(dir, "OVMF_VARS.fd");
      await run(["cp", "--sparse=always", disk, image]);
      copyFileSync(SNAKEOIL_VARS, vars);

      // 1. bootctl install, the package, a refusal, the install.
      const first = await start("install-1-bootctl-then-ukiboot", image, vars);
      expect(status(first.log, "LAB-BOOTCTL-INSTALL")).toEqual(["0"]);
      expect(status(first.log, "LAB-APT")).toEqual(["0"]);
      expect(status(first.log, "LAB-REFUSED")).toEqual(["1"]);
      expect(lines(first.log, "LAB-REFUSED").join("\n")).toContain("Secure Boot is on");
      expect(lines(first.log, "LAB-REFUSED").join("\n")).toContain("--sign-key");
      const bootctlSums = lines(first.log, "LAB-ESP-BOOTCTL");
      expect(bootctlSums.some((l) => l.endsWith(" ./EFI/systemd/systemd-bootx64.efi"))).toBe(true);
      expect(lines(first.log, "LAB-ESP-REFUSED")).toEqual(bootctlSums);
      expect(lines(first.log, "LAB-EFIBOOTMGR-REFUSED")).toEqual(lines(first.log, "LAB-EFIBOOTMGR-BEFORE"));
      expect(status(first.log, "LAB-INSTALL")).toEqual(["0"]);
      expect(lines(first.log, "LAB-INSTALL").join("\n")).toContain("signed by");
      const entries = lines(first.log, "LAB-EFIBOOTMGR");
      const ours = entries.map((l) => BOOT_ENTRY.exec(l)?.[1]).find((n) => n !== undefined);
      expect(ours).toBeDefined();
      expect(bootOrder(entries)?.[0]).toBe(ours);
      // The entries there were before: all still there, in their order, after ukiboot's.
      const before = bootOrder(lines(first.log, "LAB-EFIBOOTMGR-BEFORE"))!;
      expect(bootOrder(entries)).toEqual([ours!, ...before]);
      console.log(`install: ${lines(first.log, "LAB-INSTALL-MS")[0]} ms, boot image ${lines(first.log, "LAB-IMAGE-BYTES")[0]} bytes`);

      // 2. Started by the firmware through ukiboot's entry; the kernel update; the removal.
      const second = await start("install-2-through-ukiboot", image, vars);
      expect(lines(second.log, "LAB-EFIBOOTMGR")).toContain(`BootCurrent: ${ours}`);
      expect(second.log).toContain("ukiboot: signatures: enforce because Secure Boot is on");
      // Started by ukiboot: its credential names the entry it booted.
      expect(second.report.bootedEntry).toBe(`${ENTRY_TOKEN}-${system.kernelVersion}.efi`);
      expect(lines(second.log, "LAB-STATUS-BOOTED")).toContain("Update due: no");
      expect(lines(second.log, "LAB-STATUS-NEWER")).toContain(`Update due: yes: a newer kernel /boot/vmlinuz-${newer} is installed`);
      expect(status(second.log, "LAB-KERNEL-INSTALL-ADD")).toEqual(["0"]);
      expect(lines(second.log, "LAB-KERNEL-INSTALL-ADD").join("\n")).toContain(`Updating the boot image: a newer kernel /boot/vmlinuz-${newer} is installed.`);
      const updated = lines(second.log, "LAB-STATUS-UPDATED");
      expect(updated).toContain("Update due: no");
      expect(updated.find((l) => l.startsWith("Kernel: "))).toStartWith(`Kernel: /boot/vmlinuz-${newer} (${newer})`);
      expect(status(second.log, "LAB-REMOVE")).toEqual(["0"]);
      expect(status(second.log, "LAB-KERNEL-INSTALL-REMOVE")).toEqual(["0"]);
      expect(withoutSeed(lines(second.log, "LAB-ESP-REMOVED"))).toEqual(withoutSeed(bootctlSums));
      expect(bootOrder(lines(second.log, "LAB-EFIBOOTMGR-REMOVED"))).toEqual(before);
      expect(lines(second.log, "LAB-EFIBOOTMGR-REMOVED").some((l) => BOOT_ENTRY.test(l))).toBe(false);

      // The boot image's pcrlock file is what systemd-pcrlock writes for it, and with it PCR 11 replays: the
      // boot image's events as the stub measured them, then the system's UKI as ukiboot measured it.
      expect(status(second.log, "LAB-LOCK-UKI")).toEqual(["0"]);
      expect(status(second.log, "LAB-PCRLOCK-CMP")).toEqual(["0"]);
      const root = join(dir, "root.img");
      await extractRoot(image, 1 + ESP_MIB, ROOT_MIB, root);
      const bootImageLock = new TextDecoder().decode(await readRoot(root, "/root/boot-image.pcrlock"));
      rmSync(root);
      const throughUkiboot = expectPcrValue(second.report.pcrs[11], "PCR 11 through ukiboot's boot image");
      const phases = loggedPcr11(second.report);
      expect(phases.length).toBeGreaterThan(0);
      expect(throughUkiboot).toBe(replayPcr11([...pcr11Digests(bootImageLock), ...pcr11Digests(systemLock), ...phases]));
      // ukiboot's records reached the system's userspace log ahead of its own: the system UKI's sections.
      const handed = splitMeasurements(second.report).handedOver.filter((r) => r.pcr === 11);
      expect(handed.map((r) => Buffer.from(r.digests.find((d) => d.algorithm === "sha256")!.digest).toString("hex"))).toEqual(pcr11Digests(systemLock));
      // The boot image's own stub records came through OVMF's event log, which the kexec'd kernel finds again;
      // ukiboot's through the handed-over log: the system's systemd-pcrlock replays both.
      const verdicts = pcrlockVerdicts(second.report);
      const replay = [11, 12, 13].map((i) => `PCR ${i} ${verdicts.get(i)?.hashMatchesEventLog ? "replays" : "does not replay"}`);
      console.log(`systemd-pcrlock log through ukiboot's boot image: ${replay.join(", ")}`);
      expect(replay).toEqual(["PCR 11 replays", "PCR 12 replays", "PCR 13 replays"]);
      // What the UKI's own signed policy describes cannot be there.
      expect(throughUkiboot).not.toBe(replayPcr11([...pcr11Digests(systemLock), ...phases]));

      // 3. systemd-boot again.
      const third = await start("install-3-systemd-boot-again", image, vars);
      // PCR 11 from zero, as the system's UKI and its phases make it; PCR 7 as through ukiboot (the same db
      // certificate verified both images).
      expect(expectPcrValue(third.report.pcrs[11], "PCR 11 through systemd-boot")).toBe(
        replayPcr11([...pcr11Digests(systemLock), ...loggedPcr11(third.report)]),
      );
      expect(expectPcrValue(second.report.pcrs[7], "PCR 7 through ukiboot")).toBe(expectPcrValue(third.report.pcrs[7], "PCR 7 through systemd-boot"));
      console.log(`PCR 7 ${third.report.pcrs[7]}; PCR 11 through ukiboot ${throughUkiboot}, through systemd-boot ${third.report.pcrs[11]}`);
      expect(lines(third.log, "LAB-EFIBOOTMGR")).toContain(`BootCurrent: ${before[0]}`);
      expect(third.report.bootedEntry).toBe("(none)");
      expect(third.report.bootctlStatus.join("\n")).toContain("systemd-boot");
      expect(third.report.state).toBe("running");
    },
    E2E_TIMEOUT_MS * 3,
  );
});
