/**
 * A real Debian system through ukiboot (test/lab/debian-system.ts): installed by mmdebstrap, its UKIs made
 * by its own kernel-install with boot counting, booted by OVMF → ukiboot's boot UKI → kexec, and judged by
 * the real systemd-bless-boot (docs/efi-variables.md §5). The machine has a TPM, kept across the boots: in
 * the first boot the system seals a LUKS disk to PCR 7 with systemd-cryptenroll; in the second a person seals
 * the menu's TOTP secret, and the system then unlocks that disk but cannot unseal the TOTP secret with
 * tpm2_unseal, because PCR 11 moved on (docs/trust.md §8).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../../build/lib/run-command.ts";
import { buildOnce } from "../lab/build-once.ts";
import { debianSystem, FAIL_BOOT_COMPLETE, type DebianSystem } from "../lab/debian-system.ts";
import { makeGptDiskImage } from "../lab/disk-image.ts";
import { BOOT_KERNEL_CMDLINE, buildEspScenario, type EspScenario } from "../lab/esp-scenarios.ts";
import { parseLabReport, type LabReport } from "../lab/lab-report.ts";
import { OVMF_VARS, type Vm } from "../lab/qemu.ts";
import { KeptTpm } from "../lab/swtpm-socket.ts";
import { sealTotpAtMenu } from "../lab/totp-menu.ts";
import { BINARY, E2E_TIMEOUT_MS, e2eReady, INITRAMFS, keepConsole, perTestScratch, runScenario } from "../support/e2e.ts";

/**
 * Run by the system's report before it powers off (test/lab/debian-system.ts): at its first boot it makes a
 * LUKS2 file on the root disk sealed to PCR 7 (systemd-cryptenroll's default PCR; the empty --tpm2-public-key=
 * keeps it from also binding the signed PCR 11 policy of the UKI's .pcrpkey, which only the initrd phase
 * meets), at later boots it unlocks it; and when the menu sealed a TOTP secret on the ESP, it tries to unseal
 * it with tpm2-tools.
 */
const LAB_NEXT = `#!/bin/sh
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
luks=/var/lib/lab-pcr7.luks
echo "LAB-PCR7-VALUE $(cat /sys/class/tpm/tpm0/pcr-sha256/7)"
if [ ! -e "$luks" ]; then
  head -c 32 /dev/urandom >/run/lab-pcr7.key
  truncate -s 24M "$luks"
  if cryptsetup luksFormat --batch-mode --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 "$luks" /run/lab-pcr7.key &&
    systemd-cryptenroll --unlock-key-file=/run/lab-pcr7.key --tpm2-device=auto --tpm2-pcrs=7 --tpm2-public-key= "$luks"; then
    echo "LAB-PCR7 enrolled"
  else
    echo "LAB-PCR7 not enrolled"
  fi
elif /usr/lib/systemd/systemd-cryptsetup attach lab-pcr7 "$luks" - tpm2-device=auto,headless=true 2>/run/lab-pcr7.err; then
  echo "LAB-PCR7 unlocked"
  /usr/lib/systemd/systemd-cryptsetup detach lab-pcr7
else
  echo "LAB-PCR7 locked"
  sed 's/^/LAB-PCR7-LOG /' /run/lab-pcr7.err
fi
blob=/efi/loader/ukiboot/totp-secret.json
if [ -r "$blob" ]; then
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); open("/run/totp.pub", "wb").write(bytes.fromhex(d["public"])); open("/run/totp.priv", "wb").write(bytes.fromhex(d["private"])); open("/run/totp.pcrs", "w").write(",".join(map(str, d["pcrs"])))' "$blob"
  if tpm2_createprimary -Q -C o -G ecc -c /run/totp-primary.ctx && tpm2_load -Q -C /run/totp-primary.ctx -u /run/totp.pub -r /run/totp.priv -c /run/totp.ctx; then
    out=$(tpm2_unseal -c /run/totp.ctx -p "pcr:sha256:$(cat /run/totp.pcrs)" 2>&1 >/dev/null)
    echo "LAB-TOTP-UNSEAL status $? $(echo "$out" | tr '\\n' ' ' | cut -c1-300)"
  else
    echo "LAB-TOTP-UNSEAL the blob did not load"
  fi
fi
systemctl poweroff
`;

/** Each test's disk copies: removed after the test. */
const scratchDir = perTestScratch();

/** ukiboot's boot UKI where the firmware looks, and a loader.conf that boots the default at once. */
const BOOT_ESP: EspScenario = {
  name: "debian-boot",
  files: [
    { kind: "boot-uki", path: "EFI/BOOT/BOOTX64.EFI", cmdline: BOOT_KERNEL_CMDLINE },
    { kind: "text", path: "loader/loader.conf", text: "timeout 0\n" },
  ],
};

let system: DebianSystem;
let disk: string;

beforeAll(async () => {
  await e2eReady();
  system = await debianSystem();
  const boot = await buildEspScenario(BOOT_ESP, { initramfs: INITRAMFS });
  // One disk as an installed machine has it: the ESP (ukiboot and what kernel-install put there), then root.
  const dir = await buildOnce(
    "debian-disk",
    {
      inputs: { system },
      code: import.meta.path,
      single: true,
      files: [boot.image, system.rootImage, join(system.espTree, "EFI/Linux", system.ukiName), BINARY],
    },
    async (out) => {
      const tree = join(out, "esp");
      mkdirSync(tree, { recursive: true });
      cpSync(boot.tree, tree, { recursive: true });
      cpSync(system.espTree, tree, { recursive: true });
      // ukiboot installed in the system too, as /usr/local/bin/ukiboot, so the system can ask it which entry it is.
      const root = join(out, "root.img");
      await run(["cp", "--sparse=always", system.rootImage, root]);
      await run(["debugfs", "-w", "-R", `write ${BINARY} usr/local/bin/ukiboot`, root]);
      await run(["debugfs", "-w", "-R", "set_inode_field usr/local/bin/ukiboot mode 0100755", root]);
      const next = join(out, "lab-next");
      writeFileSync(next, LAB_NEXT);
      await run(["debugfs", "-w", "-R", `write ${next} usr/local/sbin/lab-next`, root]);
      await run(["debugfs", "-w", "-R", "set_inode_field usr/local/sbin/lab-next mode 0100755", root]);
      rmSync(next);
      await makeGptDiskImage(join(out, "disk.img"), [
        { kind: "esp", sizeMiB: 256, tree },
        { kind: "root", sizeMiB: 600, image: root },
      ]);
      rmSync(root);
    },
  );
  disk = join(dir, "disk.img");
}, 900_000);

const MTOOLS = { env: { MTOOLS_SKIP_CHECK: "1" } };

/** The UKI file names on the ESP of `image` (the ESP starts at 1 MiB). */
async function ukisOn(image: string): Promise<string[]> {
  const { stdout } = await run(["mdir", "-b", "-i", `${image}@@1M`, "::/EFI/Linux"], MTOOLS);
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => l.replace(/^.*\//, ""))
    .sort();
}

/** One OVMF boot of `image` with the NVRAM in `vars` and the machine's TPM, to the target's report and its power-off. */
async function boot(name: string, image: string, vars: string, tpm: KeptTpm, atMenu?: (vm: Vm) => Promise<void>): Promise<{ report: LabReport; log: string }> {
  try {
    const booted = await runScenario(
      name,
      () => ({ firmware: "ovmf", varsFile: vars, disks: [{ path: image, iface: "nvme" }], tpmSocket: tpm.start() }),
      async (vm) => {
        await atMenu?.(vm);
        await vm.expect(/LAB-REPORT-END/, 480_000).finally(() => keepConsole(name, vm.output));
        const report = parseLabReport(vm.output);
        if (!report) throw new Error(`No report from the Debian target in:\n${vm.tail()}`);
        // Let systemd finish its power-off, so the ESP is clean before mtools reads it.
        await Promise.race([vm.exited, Bun.sleep(120_000)]).finally(() => keepConsole(name, vm.output));
        return { report, log: vm.output };
      },
    );
    await tpm.keep();
    return booted;
  } finally {
    await tpm.discard();
  }
}

/** Opens the hidden menu with a key, seals the TOTP secret, and boots the default entry from the menu. */
async function sealTotpThenBoot(vm: Vm): Promise<void> {
  await vm.expect(/ukiboot: started/, 300_000);
  // Typed before the hidden menu's key window: the console keeps it until the window reads it.
  vm.type("\x1b[A");
  await vm.expect(/Enter boot/, 120_000);
  await sealTotpAtMenu(vm);
  // The highlighted default.
  vm.type("\r");
}

describe("a Debian system installed by its own tools, through ukiboot", () => {
  test(
    "boot assessment end to end: systemd-bless-boot blesses the counted UKI; a new UKI that fails runs out of tries and the good one boots again",
    async () => {
      const dir = scratchDir("ukiboot-debian-");
      const image = join(dir, "disk.img");
      const vars = join(dir, "OVMF_VARS.fd");
      const tpm = new KeptTpm(dir);
      await run(["cp", "--sparse=always", disk, image]);
      copyFileSync(OVMF_VARS, vars);
      const good = system.ukiName;
      const goodBlessed = good.replace(/\+\d+\.efi$/, ".efi");
      const goodTried = good.replace(/\+3\.efi$/, "+2-1.efi");

      // 1. The installed UKI (+3): ukiboot uses a try, the system reaches boot-complete.target, and the real
      //    systemd-bless-boot renames it to its good name.
      const first = await boot("debian-1-counted-uki-blessed", image, vars, tpm);
      expect(first.log).toContain(`boot counting: renamed ${good} to ${goodTried}`);
      expect(first.report.failedUnits).toEqual([]);
      expect(first.report.state).toBe("running");
      expect(first.report.bootCountPath).toBe(`\\EFI\\Linux\\${goodTried}`);
      expect(first.report.bless.split(" ").sort()).toEqual(["active", "success"]);
      expect(first.report.bootedEntry).toBe(goodBlessed);
      expect(first.report.cmdline).toContain(`systemd.set_credential=ukiboot.booted-entry:${goodBlessed}`);
      expect(first.report.bootctlList.join("\n")).toContain(goodBlessed);
      // ukiboot in the booted system knows which entry it is, from its credential, not from LoaderEntrySelected.
      expect(first.report.ukibootList).toContain(`Booted: ${goodBlessed} (from the ukiboot.booted-entry credential on the kernel command line)`);
      expect(first.report.ukibootList.some((l) => /title: .*[(, ]selected\)$/.test(l))).toBe(true);
      expect(await ukisOn(image)).toEqual([goodBlessed]);

      // 2. A newer UKI arrives (+2). Its system fails before boot-complete.target, so it is never blessed:
      //    each boot uses one try, and LoaderBootCountPath names it each time.
      await run(["mcopy", "-i", `${image}@@1M`, system.nextUki, `::/EFI/Linux/${system.nextUkiName}`], MTOOLS);
      const next = system.nextUkiName;
      const afterOne = next.replace(/\+2\.efi$/, "+1-1.efi");
      const afterTwo = next.replace(/\+2\.efi$/, "+0-2.efi");
      // This time a person seals the menu's TOTP secret first.
      const second = await boot("debian-2-new-uki-fails", image, vars, tpm, sealTotpThenBoot);
      expect(second.report.cmdline).toContain(FAIL_BOOT_COMPLETE);
      expect(second.report.state).toBe("degraded");
      expect(second.report.failedUnits).toContain("lab-boot-check.service");
      expect(second.report.bootCountPath).toBe(`\\EFI\\Linux\\${afterOne}`);
      expect(await ukisOn(image)).toEqual([goodBlessed, afterOne].sort());
      // The TOTP secret was sealed at the menu; the system it started cannot unseal it (PCR 11 moved on), and
      // the disk the system sealed to PCR 7 in the first boot unlocks in this one (ukiboot never extends 0-7).
      expect(first.log).toContain("LAB-PCR7 enrolled");
      expect(second.log).toContain("A TOTP secret is sealed");
      expect(second.log).toContain("LAB-PCR7 unlocked");
      const unseal = /LAB-TOTP-UNSEAL (.*)/.exec(second.log)?.[1] ?? "(no LAB-TOTP-UNSEAL line)";
      console.log(`[debian] tpm2_unseal in the system started after the menu: ${unseal}`);
      expect(unseal).toMatch(/^status [1-9]\d* .*(0x99D|policy check failed)/i);
      const third = await boot("debian-3-new-uki-fails-again", image, vars, tpm);
      expect(third.report.cmdline).toContain(FAIL_BOOT_COMPLETE);
      expect(third.log).toContain(`boot counting: renamed ${afterOne} to ${afterTwo}`);
      expect(await ukisOn(image)).toEqual([goodBlessed, afterTwo].sort());

      // 3. Its tries have run out: it is bad and sorts last, and the good UKI boots, uncounted, so nothing
      //    names a boot count path.
      const fourth = await boot("debian-4-good-uki-again", image, vars, tpm);
      expect(fourth.report.cmdline).not.toContain(FAIL_BOOT_COMPLETE);
      expect(fourth.report.state).toBe("running");
      expect(fourth.report.bootedEntry).toBe(goodBlessed);
      expect(fourth.report.bootCountPath).toBe("(unset)");
      expect(await ukisOn(image)).toEqual([goodBlessed, afterTwo].sort());
    },
    E2E_TIMEOUT_MS * 3,
  );
});
