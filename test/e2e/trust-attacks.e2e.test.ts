/**
 * Attacks on the trust ukiboot keeps, each tried in QEMU with the real parts (Debian kernel, systemd-stub,
 * ukify, sbsign, OVMF, swtpm) and each expected to fail with the product's own sentence:
 *
 * - an unsigned Type #1 entry names a signed UKI under Secure Boot and brings its own options (a shell as
 *   init): the UKI's signed .cmdline boots, and the options are dropped with a note (docs/trust.md §5);
 * - ukiboot dies by a signal: the shim caps PCR 11 and 12 before its rescue shell (docs/measurements.md);
 * - the menu's Rescue Shell under warn: PCR 11 and 12 are capped, so loading the sealed UKI with --measure
 *   from the shell can no longer reach the PCR 11 its .pcrsig signs, and the sealed disk asks for its
 *   passphrase after the shell's kexec;
 * - root on a booted system writes a non-volatile MokListRT with its own key: at the next boot ukiboot
 *   ignores it for anchors and says so, and the UKI that key signed stays untrusted (docs/trust.md §3).
 */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import type { DebianParts } from "../../build/debian.ts";
import { run } from "../../build/lib/run-command.ts";
import { BOOT_KERNEL_CMDLINE, buildEspScenario, type BuiltEsp } from "../lab/esp-scenarios.ts";
import { OVMF_VARS, type Vm } from "../lab/qemu.ts";
import { sealedDisk, type SealedDisk } from "../lab/sealed-disk.ts";
import { startQemuSwtpm, type QemuSwtpm } from "../lab/swtpm-socket.ts";
import { systemdMeasureUki } from "../lab/systemd-measure.ts";
import { parseTargetReport } from "../lab/target-system.ts";
import {
  buildMokListEsp,
  cappedFromZero,
  crashingUkibootInitramfs,
  ENTRY_OPTIONS_ATTACK_ESP,
  MOK_CERT_SUBJECT,
  MOK_TARGET_NAME,
  MOK_TARGET_PATH,
  MOKLISTRT_FILE,
  SIGNED_WORD,
} from "../lab/trust-attacks.ts";
import { E2E_TIMEOUT_MS, e2eReady, INITRAMFS, keepConsole, perTestScratch, runScenario } from "../support/e2e.ts";
import { expectPcrValue } from "../support/pcr-value.ts";

/**
 * The cap's separator as docs/measurements.md §6 gives it: UTF-8 without a NUL, extended into PCR 11 and 12.
 * Written out here, not imported from ukiboot, so that a change of the bytes in the code alone fails.
 */
const CAP_SEPARATOR = "ukiboot: leaving the boot path";
const ZERO_PCR = "0".repeat(64);
/** The shim's line once it extended both PCRs, in whichever banks the TPM took (sha256 among them). */
const SHIM_CAPPED =
  /ukiboot: extended PCR 11 and 12 with "ukiboot: leaving the boot path" through \/dev\/tpmrm0 \(banks [a-z0-9 ]*\bsha256\b[a-z0-9 ]*\): no secret sealed to this boot's PCR 11 unseals from here on/;
/** ukiboot's own line after its cap, before it returns to the shim. */
const UKIBOOT_CAPPED =
  /ukiboot: extended PCR 11 and 12 with "ukiboot: leaving the boot path" \(banks [a-z0-9, ]*\bsha256\b[a-z0-9, ]*\): no signed PCR 11 value can be reached until the next reboot, so no sealed secret unseals from here/;

let parts: DebianParts;
let attackEsp: BuiltEsp;
let mokEsp: BuiltEsp;
let crashing: string;
let sealed: SealedDisk;
const tpms: QemuSwtpm[] = [];
const scratchDir = perTestScratch();

beforeAll(async () => {
  parts = await e2eReady();
  attackEsp = await buildEspScenario(ENTRY_OPTIONS_ATTACK_ESP, { initramfs: INITRAMFS });
  mokEsp = await buildMokListEsp(INITRAMFS);
  crashing = await crashingUkibootInitramfs(INITRAMFS);
  sealed = await sealedDisk();
}, 900_000);

afterEach(async () => {
  for (const t of tpms.splice(0)) await t.stop();
});

/** A new swtpm for each VM the scenario starts (a retried boot gets its own, with every PCR at zero again). */
function freshTpm(opts: { stateFrom?: string } = {}): string {
  const tpm = startQemuSwtpm(5000, opts);
  tpms.push(tpm);
  return tpm.socket;
}

let probe = 0;

/**
 * Types a command into the rescue shell that prints PCR 11 and 12 of the sha256 bank, and returns the values
 * as read (lower-case), or what stood there instead. The markers are made by the shell's arithmetic, so the
 * echo of the typed line never matches them.
 */
async function readPcrsInShell(vm: Vm): Promise<{ 11: string; 12: string }> {
  const n = ++probe;
  vm.type(`for p in 11 12; do echo "LAB-PCR-$((${n}*0+${n}))-$p $(cat /sys/class/tpm/tpm0/pcr-sha256/$p 2>&1)"; done; echo LAB-PCRS-$((${n}+1000))-END\n`);
  await vm.expect(new RegExp(`LAB-PCRS-${n + 1000}-END`), 60_000);
  const value = (p: number) => {
    const m = vm.output.replace(/\r/g, "").match(new RegExp(`^LAB-PCR-${n}-${p} (.*)$`, "m"));
    return m ? m[1]!.trim().toLowerCase() : "(no line)";
  };
  return { 11: value(11), 12: value(12) };
}

describe("an unsigned entry file cannot change what a signed UKI boots", () => {
  test(
    "Secure Boot on: the default Type #1 entry names a signed UKI with options asking for a shell as init; the UKI's signed .cmdline boots and the options are dropped with a note",
    async () => {
      const { report, log } = await runScenario(
        "attack-entry-options",
        () => ({ firmware: "ovmf-secure-boot", disks: [{ path: attackEsp.image, iface: "nvme" }] }),
        async (vm) => {
          await vm.expect(/UKIBOOT-TARGET-END/, 300_000).finally(() => keepConsole("attack-entry-options", vm.output));
          return { report: parseTargetReport(vm.output), log: vm.output };
        },
      );
      expect(log).toContain("ukiboot: signatures: enforce because Secure Boot is on; kernel lockdown: integrity");
      expect(log).toContain('ukiboot: default entry: "Attack" (attack.conf), chosen by loader.conf');
      expect(log).toContain("ukiboot: custom command line dropped: Secure Boot is on, and its UKI's signed .cmdline is what boots, as systemd-stub does");
      expect(report?.name).toBe("signed-app");
      // Exactly the signed .cmdline, and ukiboot's word naming the entry; none of the entry's options.
      const cmdline = report?.cmdline ?? "(no target report)";
      expect(cmdline).toBe(`console=ttyS0 panic=-1 quiet UKIBOOT_TARGET=signed-app ${SIGNED_WORD} systemd.set_credential=ukiboot.booted-entry:attack.conf`);
      expect(cmdline).not.toContain("init=/bin/sh");
      expect(cmdline).not.toContain("lab.attack=1");
    },
    E2E_TIMEOUT_MS,
  );
});

describe("PCR 11 and 12 are capped before any rescue shell", () => {
  test(
    "ukiboot dies by SIGSEGV twice: the shim runs it once more, then caps PCR 11 and 12 with the separator on its own before the rescue shell",
    async () => {
      const { pcrs, log } = await runScenario(
        "shim-caps-after-crash",
        () => ({ kernel: parts.vmlinuz, initrd: crashing, append: BOOT_KERNEL_CMDLINE, tpmSocket: freshTpm() }),
        async (vm) => {
          try {
            await vm.expect(/starting a rescue shell/, 180_000);
            await Bun.sleep(1000);
            return { pcrs: await readPcrsInShell(vm), log: vm.output };
          } finally {
            keepConsole("shim-caps-after-crash", vm.output);
          }
        },
      );
      // It crashes every time: the shim runs it once more, then the second crash is final.
      expect(log.match(/ukiboot: exited with status 139: killed by signal 11/g)?.length).toBe(2);
      expect(log.match(/ukiboot: running ukiboot once more/g)?.length).toBe(1);
      expect(log).toMatch(SHIM_CAPPED);
      expect(log).not.toMatch(UKIBOOT_CAPPED);
      // Only the shim extended: once from zero.
      const once = cappedFromZero(CAP_SEPARATOR);
      for (const p of [11, 12] as const) {
        const value = expectPcrValue(pcrs[p], `PCR ${p} in the shim's rescue shell after ukiboot crashed`);
        expect(value).not.toBe(ZERO_PCR);
        expect(value).toBe(once);
      }
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "the menu's Rescue Shell under warn: PCR 11 and 12 are capped; load --measure of the sealed UKI from the shell cannot reach the PCR 11 its .pcrsig signs, and after exec the disk asks for its passphrase",
    async () => {
      const { system } = sealed;
      const uki = system.luksUki;
      const [signed] = await systemdMeasureUki(uki, ["enter-initrd"]);
      const [sectionsOnly] = await systemdMeasureUki(uki, [""]);
      const signedEnterInitrd = expectPcrValue(signed?.hash, `systemd-measure's enter-initrd PCR 11 of "${uki}"`);
      const dir = scratchDir("ukiboot-attack-shell-");
      const image = join(dir, "disk.img");
      await run(["cp", "--sparse=always", sealed.disk, image]);
      const result = await runScenario(
        "rescue-shell-caps-pcrs",
        () => ({
          kernel: parts.vmlinuz,
          initrd: INITRAMFS,
          // menu-force: the menu waits for a key, so the Rescue Shell can be chosen without a race.
          append: `${BOOT_KERNEL_CMDLINE} ukiboot.timeout=menu-force`,
          disks: [{ path: image, iface: "nvme" }],
          tpmSocket: freshTpm({ stateFrom: system.tpmState }),
        }),
        async (vm) => {
          try {
            await vm.expect(/Rescue Shell/, 240_000);
            vm.type("\x1b[B"); // ↓: from the only entry to the Rescue Shell item below it
            await vm.expect(/> +Rescue Shell/, 30_000);
            vm.type("\r");
            await vm.expect(/starting a rescue shell/, 60_000);
            await Bun.sleep(1000);
            const inShell = await readPcrsInShell(vm);
            // ukiboot unmounted the ESP when it exited; the shell mounts it itself, read-only.
            vm.type(
              `mkdir -p /mnt/esp && mount -o ro /dev/nvme0n1p1 /mnt/esp && ukiboot load --measure --esp /mnt/esp ${system.luksUkiName}; echo "LAB-LOAD-$((40+2)) status $?"\n`,
            );
            const loaded = await vm.expect(/LAB-LOAD-42 status (\d+)/, 240_000);
            const afterLoad = await readPcrsInShell(vm);
            // The attack's last step: start what was loaded. The disk must not unlock.
            vm.type("ukiboot exec\n");
            await vm.expect(/Please enter passphrase for disk|EXT4-fs \(dm-0\)|LAB-REPORT-BEGIN/, 480_000);
            return { inShell, loadStatus: loaded[1], afterLoad, log: vm.output };
          } finally {
            keepConsole("rescue-shell-caps-pcrs", vm.output);
          }
        },
      );
      const { inShell, afterLoad, log } = result;
      expect(log).toContain("ukiboot: the rescue shell was chosen");
      expect(log).toContain("ukiboot: exited with status 3: the rescue shell was chosen in the menu");
      // ukiboot caps before it returns, and the shim once more before its shell: twice from zero.
      expect(log).toMatch(UKIBOOT_CAPPED);
      expect(log).toMatch(SHIM_CAPPED);
      const capped = {
        11: expectPcrValue(inShell[11], "PCR 11 in the menu's rescue shell"),
        12: expectPcrValue(inShell[12], "PCR 12 in the menu's rescue shell"),
      };
      expect(capped[11]).not.toBe(ZERO_PCR);
      expect(capped[12]).not.toBe(ZERO_PCR);
      expect(capped[11]).toBe(cappedFromZero(CAP_SEPARATOR, 2));
      expect(capped[12]).toBe(cappedFromZero(CAP_SEPARATOR, 2));
      expect(result.loadStatus).toBe("0");
      expect(log).toContain(
        `ukiboot: the .pcrsig of "/mnt/esp/EFI/Linux/${system.luksUkiName}" signs no PCR 11 value this boot reaches, so a disk sealed to its key (.pcrpkey) will ask for its passphrase`,
      );
      const measured = expectPcrValue(afterLoad[11], "PCR 11 after ukiboot load --measure in the rescue shell");
      expect(measured).not.toBe(capped[11]);
      expect(measured).not.toBe(signedEnterInitrd);
      expect(measured).not.toBe(expectPcrValue(sectionsOnly?.hash, `systemd-measure's PCR 11 of the sections of "${uki}"`));
      // The kexec'd system found PCR 11 off its policy: the TPM refused, and it asked for the passphrase.
      expect(log).toMatch(/Please enter passphrase for disk/);
      expect(log).not.toMatch(/EXT4-fs \(dm-0\)/);
    },
    E2E_TIMEOUT_MS,
  );
});

describe("trust anchors only from where no root user can write", () => {
  test(
    "a non-volatile MokListRT written by a booted system is ignored for anchors at the next boot, with its sentence, and the UKI its key signed stays untrusted",
    async () => {
      const dir = scratchDir("ukiboot-moklist-");
      const vars = join(dir, "OVMF_VARS.fd");
      copyFileSync(OVMF_VARS, vars);
      const boot = (name: string) =>
        runScenario(
          name,
          () => ({ firmware: "ovmf", varsFile: vars, disks: [{ path: mokEsp.image, iface: "nvme" }] }),
          async (vm) => {
            await vm.expect(/UKIBOOT-TARGET-END/, 300_000).finally(() => keepConsole(name, vm.output));
            return { report: parseTargetReport(vm.output), log: vm.output };
          },
        );
      const ignored =
        `ukiboot: Ignoring the MokListRT variable for trust anchors: "/sys/firmware/efi/efivars/${MOKLISTRT_FILE}" is non-volatile (attributes 0x7), ` +
        "so any root user of a booted system could have written it, while shim creates it volatile at every boot; to trust a key, enroll it with mokutil (shim) or in db";
      const untrusted = `ukiboot: "/run/ukiboot/esp/${MOK_TARGET_PATH}": its signer "/CN=${MOK_CERT_SUBJECT}" (issued by "/CN=${MOK_CERT_SUBJECT}") chains to no trusted certificate`;

      const first = await boot("moklist-nv-written");
      expect(first.report?.name).toBe(MOK_TARGET_NAME);
      expect(first.report?.efivarfs).toBe("mounted");
      expect(first.log).toMatch(/LAB-MOKLIST wrote \d+ bytes/);
      expect(first.log).not.toContain("Ignoring the MokListRT variable");
      expect(first.log).toContain(untrusted);

      const second = await boot("moklist-nv-ignored");
      // The variable outlived the boot that wrote it, non-volatile as written.
      expect(second.log).toMatch(/LAB-MOKLIST present, attributes +07 00 00 00/);
      expect(second.log).toContain(ignored);
      // Had the certificate become an anchor, this UKI would verify; it still chains to nothing trusted.
      expect(second.log).toContain(untrusted);
      expect(second.log).not.toContain("trusted through MokListRT");
      expect(second.report?.name).toBe(MOK_TARGET_NAME);
    },
    E2E_TIMEOUT_MS * 2,
  );
});
