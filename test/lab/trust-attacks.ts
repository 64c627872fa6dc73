/**
 * Fixtures of the trust-attack scenarios (test/e2e/trust-attacks.e2e.test.ts), each an attack a person with
 * write access to the ESP, root on a booted system, or a crash of ukiboot could try:
 *
 * - an ESP whose Type #1 entry names a signed UKI and brings its own `options` (docs/trust.md §5);
 * - a boot initramfs whose ukiboot dies by a signal, so the shim alone must cap the PCRs before its shell
 *   (docs/measurements.md);
 * - an ESP whose target writes a non-volatile MokListRT holding a key it signed itself with, as root on any
 *   booted system could (docs/trust.md §3);
 * - the PCR value the cap's separator gives, computed here from the documented bytes, never from ukiboot's code.
 */
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { debianParts } from "../../build/debian.ts";
import { InitramfsTree } from "../../src/initrd/initramfs-tree.ts";
import { run } from "../../build/lib/run-command.ts";
import { buildOnce } from "./build-once.ts";
import { makeGptDiskImage } from "./disk-image.ts";
import { BOOT_KERNEL_CMDLINE, type BuiltEsp, type EspScenario } from "./esp-scenarios.ts";
import { buildTargetUki, buildUki } from "./target-system.ts";

/** The signed UKI's own words, which must be what boots. */
export const SIGNED_WORD = "lab.signed=1";
/** What the unsigned entry file tries to put on the signed UKI's command line instead. */
const ATTACK_OPTIONS = "console=ttyS0 panic=-1 init=/bin/sh lab.attack=1";

/**
 * Secure Boot on: a Type #1 `efi` entry, the default, that names a snakeoil-signed UKI and brings options
 * asking for a shell as init. The UKI is also its own Type #2 entry; the entry file is what an attacker with
 * write access to the ESP (which no signature covers) would add.
 */
export const ENTRY_OPTIONS_ATTACK_ESP: EspScenario = {
  name: "attack-entry-options",
  files: [
    { kind: "target-uki", path: "EFI/Linux/app.efi", spec: { name: "signed-app", version: "1.0", cmdlineExtra: SIGNED_WORD }, secureBoot: true },
    { kind: "text", path: "loader/entries/attack.conf", text: `title Attack\nefi /EFI/Linux/app.efi\noptions ${ATTACK_OPTIONS}\n` },
    { kind: "text", path: "loader/loader.conf", text: "default attack.conf\ntimeout 0\n" },
    { kind: "boot-uki", path: "EFI/BOOT/BOOTX64.EFI", cmdline: BOOT_KERNEL_CMDLINE, secureBoot: true },
  ],
};

/**
 * ukiboot's initramfs with a second archive appended whose /usr/bin/ukiboot kills itself with SIGSEGV: the
 * kernel unpacks both archives in order and a later file replaces an earlier one, so the shim finds a
 * "ukiboot" that dies by a signal before it could measure or cap anything.
 */
export async function crashingUkibootInitramfs(initramfs: string): Promise<string> {
  const script = "#!/bin/sh\n# A ukiboot that crashes: the shim must cap PCR 11 and 12 on its own before its shell.\nkill -SEGV $$\n";
  const dir = await buildOnce("crashing-ukiboot-initramfs", { inputs: { script }, code: import.meta.path, single: true, files: [initramfs] }, async (out) => {
    const overlay = new InitramfsTree().add({ type: "file", path: "usr/bin/ukiboot", data: new TextEncoder().encode(script), mode: 0o755 }).toCpio();
    const output = join(out, "initramfs.cpio");
    writeFileSync(output, readFileSync(initramfs));
    // The next archive starts on a 4-byte boundary; the kernel skips the zeros in between.
    const pad = (4 - (statSync(output).size % 4)) % 4;
    const fd = openSync(output, "a");
    try {
      writeSync(fd, new Uint8Array(pad));
      writeSync(fd, overlay);
    } finally {
      closeSync(fd);
    }
  });
  return join(dir, "initramfs.cpio");
}

/** shim's vendor GUID, under which MokListRT lives. */
export const SHIM_LOCK_GUID = "605dab50-e046-4300-abb6-3dd810dd8b23";
export const MOKLISTRT_FILE = `MokListRT-${SHIM_LOCK_GUID}`;
/** Non-volatile, boot-service and runtime access: what an OS may create after boot services ended. */
export const MOKLISTRT_ATTRIBUTES = 0x7;
/** The certificate the attacker puts into MokListRT and signs the target UKI with. */
export const MOK_CERT_SUBJECT = "ukiboot lab attacker's MOK key";

/** A key pair and self-signed certificate made once with openssl, the attacker's own. */
export async function attackerMokKey(): Promise<{ key: string; cert: string }> {
  const dir = await buildOnce("attacker-mok-key", { inputs: { subject: MOK_CERT_SUBJECT }, code: import.meta.path, single: true }, async (out) => {
    await run([
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      join(out, "mok.key"),
      "-out",
      join(out, "mok.crt"),
      "-days",
      "3650",
      "-subj",
      `/CN=${MOK_CERT_SUBJECT}`,
    ]);
  });
  return { key: join(dir, "mok.key"), cert: join(dir, "mok.crt") };
}

/**
 * The target's first init: writes MokListRT as root on a booted system can, non-volatile under shim's GUID
 * (one write of attributes and data, which efivarfs requires), unless it is there already, and says which;
 * then hands over to the sentinel init, which reports and powers off.
 */
const MOK_WRITER_INIT = `#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
insmod /lib/efivarfs.ko 2>/dev/null
mount -t efivarfs efivarfs /sys/firmware/efi/efivars
v=/sys/firmware/efi/efivars/${MOKLISTRT_FILE}
if [ -e "$v" ]; then
  # efivarfs cannot seek: read the file whole, then take its first four bytes.
  echo "LAB-MOKLIST present, attributes $(cat "$v" | od -An -tx1 -N4)"
else
  cat /lab/${MOKLISTRT_FILE} > "$v" && echo "LAB-MOKLIST wrote $(wc -c < /lab/${MOKLISTRT_FILE}) bytes"
fi
busybox umount /sys/firmware/efi/efivars
busybox umount /sys
busybox umount /proc
exec /init
`;

/** The target UKI's name (its sentinel report's), signed by the attacker's key. */
export const MOK_TARGET_NAME = "mok-writer";
export const MOK_TARGET_PATH = "EFI/Linux/mok-writer.efi";

/**
 * OVMF without Secure Boot: the boot UKI, and one target UKI signed by the attacker's key whose initrd writes
 * a non-volatile MokListRT holding that key's certificate (an EFI_SIGNATURE_LIST made by efitools) and then
 * reports as every target does.
 */
export async function buildMokListEsp(initramfs: string): Promise<BuiltEsp> {
  const parts = await debianParts();
  const { key, cert } = await attackerMokKey();
  const dir = await buildOnce(
    "esp-nonvolatile-moklist",
    { inputs: { kernel: parts.kernelVersion, MOK_WRITER_INIT }, code: import.meta.path, single: true, files: [initramfs, cert] },
    async (out) => {
      const work = join(out, "work");
      const tree = join(out, "tree");
      mkdirSync(work, { recursive: true });
      const esl = join(work, "moklist.esl");
      await run(["cert-to-efi-sig-list", "-g", SHIM_LOCK_GUID, cert, esl]);
      const attributes = new Uint8Array(4);
      new DataView(attributes.buffer).setUint32(0, MOKLISTRT_ATTRIBUTES, true);
      const overlay = new InitramfsTree()
        .add({ type: "file", path: "lab-init", data: new TextEncoder().encode(MOK_WRITER_INIT), mode: 0o755 })
        .add({ type: "file", path: `lab/${MOKLISTRT_FILE}`, data: new Uint8Array([...attributes, ...readFileSync(esl)]) })
        .toCpio();
      const overlayPath = join(work, "mok-writer.cpio");
      writeFileSync(overlayPath, overlay);
      const unsigned = join(work, "mok-writer.unsigned.efi");
      await buildTargetUki(parts, work, {
        name: MOK_TARGET_NAME,
        version: "1.0",
        output: unsigned,
        cmdlineExtra: "rdinit=/lab-init",
        extra: [`--initrd=${overlayPath}`],
      });
      mkdirSync(join(tree, "EFI/Linux"), { recursive: true });
      await run(["sbsign", "--key", key, "--cert", cert, "--output", join(tree, MOK_TARGET_PATH), unsigned]);
      mkdirSync(join(tree, "loader"), { recursive: true });
      writeFileSync(join(tree, "loader/loader.conf"), "timeout 0\n");
      await buildUki(parts, {
        output: join(tree, "EFI/BOOT/BOOTX64.EFI"),
        linux: parts.vmlinuz,
        initrds: [initramfs],
        cmdline: BOOT_KERNEL_CMDLINE,
        osRelease: 'NAME="ukiboot"\nID=ukiboot\nPRETTY_NAME="ukiboot boot kernel"\n',
        uname: parts.kernelVersion,
      });
      await makeGptDiskImage(join(out, "disk.img"), [{ kind: "esp", sizeMiB: 256, tree }]);
      await run(["rm", "-rf", work]);
    },
  );
  return { tree: join(dir, "tree"), image: join(dir, "disk.img") };
}

/** One TPM extend in the sha256 bank: PCR := SHA256(PCR || digest). */
export function extendSha256(pcr: Uint8Array, digest: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(pcr).update(digest).digest());
}

/**
 * The sha256 value of a PCR that started at zero and was extended `times` times with the cap's separator,
 * whose data docs/measurements.md gives: its digest is SHA256 of the UTF-8 text, without a NUL.
 */
export function cappedFromZero(separatorText: string, times = 1): string {
  const digest = new Uint8Array(createHash("sha256").update(separatorText, "utf8").digest());
  let pcr: Uint8Array = new Uint8Array(32);
  for (let i = 0; i < times; i++) pcr = extendSha256(pcr, digest);
  return Buffer.from(pcr).toString("hex");
}
