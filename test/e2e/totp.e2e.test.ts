/**
 * The menu's TOTP code (docs/trust.md §8) on one machine over three boots: OVMF starts ukiboot's boot UKI
 * from the ESP, with one software TPM whose state is kept across the boots, as a machine's is.
 * 1. The menu's "Seal a TOTP Secret", confirmed, shows the otpauth:// URI; the default entry then boots.
 * 2. The header shows the code that Debian's oathtool computes from that secret for the guest's clock.
 * 3. One byte of the boot image changed: the header says the secret cannot be unsealed, and the default
 *    entry still boots.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../build/lib/run-command.ts";
import { TOTP_SENTENCES } from "../../src/flow/totp-secret.ts";
import { buildEspScenario, TOTP_ESP, type BuiltEsp } from "../lab/esp-scenarios.ts";
import type { Vm } from "../lab/qemu.ts";
import { KeptTpm } from "../lab/swtpm-socket.ts";
import { sealTotpAtMenu } from "../lab/totp-menu.ts";
import { parseTargetReport } from "../lab/target-system.ts";
import { E2E_TIMEOUT_MS, e2eReady, INITRAMFS, runScenario } from "../support/e2e.ts";

let esp: BuiltEsp;
/** The machine: its disk and its TPM's state, both kept from one boot to the next. */
let machine: { dir: string; disk: string; tpm: KeptTpm };

beforeAll(async () => {
  await e2eReady();
  esp = await buildEspScenario(TOTP_ESP, { initramfs: INITRAMFS });
  const dir = mkdtempSync(join(tmpdir(), "ukiboot-totp-machine-"));
  machine = { dir, disk: join(dir, "disk.img"), tpm: new KeptTpm(dir) };
  copyFileSync(esp.image, machine.disk);
}, 600_000);

afterAll(() => {
  if (machine) rmSync(machine.dir, { recursive: true, force: true });
});

/** One boot of the machine: the same disk, and its TPM as the last boot left it. */
async function boot<T>(name: string, drive: (vm: Vm) => Promise<T>): Promise<T> {
  try {
    const result = await runScenario<T>(
      name,
      () => ({ firmware: "ovmf", disks: [{ path: machine.disk, iface: "nvme" }], tpmSocket: machine.tpm.start() }),
      drive,
    );
    await machine.tpm.keep();
    return result;
  } finally {
    await machine.tpm.discard();
  }
}

/** oathtool's code for `secret` at `unixSeconds`. */
async function oathtool(secret: string, unixSeconds: number): Promise<string> {
  return (await run(["oathtool", "--totp", "-b", secret, "--now", new Date(unixSeconds * 1000).toISOString()])).stdout.trim();
}

/** The menu's TOTP rule, its code and seconds, as the serial console last drew them. */
const CODE = /TOTP (\d{3}) (\d{3}) {2}(\d+) s/g;

describe("a TOTP code sealed to the firmware and the boot image", () => {
  let secret = "";

  test(
    "boot 1: the menu's seal action, confirmed, gives the otpauth:// URI and the secret; the default entry boots after",
    async () => {
      const { log, report, sealed } = await boot("totp-1-seal", async (vm) => {
        await vm.expect(/Boot in \d+ s\./, 300_000);
        // Before anything is sealed, the rule says so.
        await vm.expect(/no TOTP secret is sealed yet/, 30_000);
        const secret = await sealTotpAtMenu(vm);
        // The header shows the new secret's code at once.
        await vm.expect(/TOTP \d{3} \d{3}/, 30_000);
        // Enter boots the highlighted default.
        vm.type("\r");
        await vm.expect(/UKIBOOT-TARGET-END/, 240_000);
        return { log: vm.output, report: parseTargetReport(vm.output), sealed: secret };
      });
      secret = sealed;
      expect(log).toContain("A TOTP secret is sealed");
      expect(log).toMatch(/otpauth:\/\/totp\/ukiboot:boot\?secret=/);
      expect(log).toContain("ukiboot: TOTP: a new secret is sealed to PCRs 0, 2, 4, 7, 9, 11, 12");
      expect(report?.name).toBe("totp-2.0");
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "boot 2: the header's code is oathtool's for the guest's clock, within one step",
    async () => {
      expect(secret).not.toBe("");
      const { codes, report } = await boot("totp-2-code", async (vm) => {
        await vm.expect(/TOTP \d{3} \d{3} {2}\d+ s/, 300_000);
        // The guest's RTC is the host's clock (QEMU's default -rtc base=utc): the host reads it at the same moment.
        const seen = Date.now() / 1000;
        await Bun.sleep(2500);
        const drawn = [...vm.output.matchAll(CODE)].map((m) => `${m[1]}${m[2]}`);
        vm.type("\r");
        await vm.expect(/UKIBOOT-TARGET-END/, 240_000);
        return { codes: { drawn, seen }, report: parseTargetReport(vm.output) };
      });
      const allowed = await Promise.all([-30, 0, 30].map((d) => oathtool(secret, codes.seen + d)));
      console.log(`[totp] drawn ${[...new Set(codes.drawn)].join(", ")}; oathtool around ${new Date(codes.seen * 1000).toISOString()}: ${allowed.join(", ")}`);
      expect(codes.drawn.length).toBeGreaterThan(1);
      expect(allowed).toContain(codes.drawn.at(-1)!);
      expect(report?.name).toBe("totp-2.0");
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "boot 3: with one byte of the boot image changed, the header says the secret cannot be unsealed, and the default entry boots",
    async () => {
      tamperBootImage(machine.disk, join(esp.tree, "EFI/BOOT/BOOTX64.EFI"));
      const { log, report } = await boot("totp-3-changed", async (vm) => {
        await vm.expect(/UKIBOOT-TARGET-END/, 300_000);
        return { log: vm.output, report: parseTargetReport(vm.output) };
      });
      // In the header's rule (its styles taken out), not only somewhere in the log.
      expect(log.replace(/\x1b\[[0-9;?=]*[A-Za-z]/g, "")).toMatch(new RegExp(`(--|──) ${TOTP_SENTENCES.changed} (-|─)`));
      expect(log).not.toMatch(CODE);
      expect(report?.name).toBe("totp-2.0");
    },
    E2E_TIMEOUT_MS,
  );
});

/**
 * Changes one byte of the boot UKI's COFF header, its TimeDateStamp, inside the disk image: the file is found
 * by its first 4 KiB (its headers, unlike any other file's). Nothing reads the field, so the image still
 * starts, but the firmware's Authenticode digest of it, in PCR 4, changes.
 */
function tamperBootImage(disk: string, file: string): void {
  const head = readFileSync(file).subarray(0, 4096);
  const image = readFileSync(disk);
  const at = image.indexOf(head);
  if (at < 0 || image.indexOf(head, at + 1) >= 0) throw new Error(`Cannot find the boot image "${file}" once in "${disk}"`);
  const timeDateStamp = head.readUInt32LE(0x3c) + 8;
  if (head.readUInt32LE(timeDateStamp - 8) !== 0x00004550) throw new Error(`The boot image "${file}" has no PE header`);
  const fd = openSync(disk, "r+");
  try {
    writeSync(fd, Buffer.from([head[timeDateStamp]! ^ 0x01]), 0, 1, at + timeDateStamp);
  } finally {
    closeSync(fd);
  }
}
