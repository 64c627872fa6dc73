/**
 * The "target" systems ukiboot boots in demos and tests: a real Debian kernel with a busybox initrd whose
 * init prints one sentinel block (its /proc/cmdline and what it received: files under /.extra and marker
 * files with sizes and sha256) and powers off. UKIs are built with the real ukify and systemd-stub.
 */
import { standInKernel } from "../support/stand-in-kernel.ts";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { DebianParts } from "../../build/debian.ts";
import { splashPattern } from "../support/bmp-writer.ts";
import { InitramfsTree } from "../../src/initrd/initramfs-tree.ts";
import { run } from "../../build/lib/run-command.ts";

export { standInKernel };

export const SENTINEL = "UKIBOOT-TARGET";

/** The target's /init. POSIX sh run by busybox. */
export function targetInit(name: string): string {
  return `#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# efivarfs is a module in Debian's cloud kernel; the initrd carries it (decompressed, for busybox insmod).
# Whether it mounted is reported: a missing variable means nothing when efivarfs is not there to show it.
# Without /sys/firmware/efi (a LinuxBoot-style boot) there are no variables, and that is no failure.
if [ -d /sys/firmware/efi ]; then
  [ -d /sys/firmware/efi/efivars ] && insmod /lib/efivarfs.ko 2>/dev/null
  err=$(mount -t efivarfs efivarfs /sys/firmware/efi/efivars 2>&1); rc=$?
  # echo unquoted: mount's message on one line.
  if [ $rc = 0 ]; then efivarfs=mounted; else efivarfs="failed: exit $rc: $(echo $err)"; fi
else
  efivarfs=absent
fi
echo "${SENTINEL}-BEGIN name=${name}"
echo "${SENTINEL}-EFIVARFS $efivarfs"
echo "${SENTINEL}-CMDLINE $(cat /proc/cmdline)"
echo "${SENTINEL}-EFI $(ls /sys/firmware/efi 2>&1 | tr '\\n' ' ')"
[ -r /sys/kernel/boot_params/data ] && echo "${SENTINEL}-LOADER $(od -An -tx1 -j 528 -N1 /sys/kernel/boot_params/data)"
if [ -r /sys/class/tpm/tpm0/pcr-sha256/11 ]; then
  echo "${SENTINEL}-PCR11 $(cat /sys/class/tpm/tpm0/pcr-sha256/11)"
  echo "${SENTINEL}-PCR12 $(cat /sys/class/tpm/tpm0/pcr-sha256/12)"
fi
for f in $(find /.extra /markers /etc/addon-markers /kernel/x86/microcode -type f 2>/dev/null | sort); do
  set -- $(sha256sum "$f")
  echo "${SENTINEL}-FILE $f $(wc -c < "$f") $1"
done
for v in /sys/firmware/efi/efivars/LoaderBootCountPath-* /sys/firmware/efi/efivars/LoaderEntryOneShot-*; do
  [ -e "$v" ] && echo "${SENTINEL}-EFIVAR $(basename "$v") $(tail -c +5 "$v" | tr -d '\\000')"
done
# Test hook: UKIBOOT_TEST_ONESHOT=<id> on the command line writes LoaderEntryOneShot the way
# "bootctl set-oneshot <id>" does (attributes 0x7, UTF-16LE with a NUL), as the booted OS would.
for w in $(cat /proc/cmdline); do
  case $w in UKIBOOT_TEST_ONESHOT=*)
    id=\${w#UKIBOOT_TEST_ONESHOT=}
    { printf '\\007\\000\\000\\000'; s=$id; while [ -n "$s" ]; do r=\${s#?}; printf '%s\\000' "\${s%"$r"}"; s=$r; done; printf '\\000\\000'; } > /tmp/oneshot
    cat /tmp/oneshot > /sys/firmware/efi/efivars/LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f && echo "${SENTINEL}-WROTE LoaderEntryOneShot=$id"
  esac
done
echo "${SENTINEL}-END name=${name}"
poweroff -f
`;
}

/** A target initrd: busybox, the sentinel init, and marker files whose hashes the test checks. */
export function buildTargetInitrd(parts: Pick<DebianParts, "busybox" | "modulesDir">, name: string, markers: Record<string, string> = {}): Uint8Array {
  const busybox = parts.busybox;
  const tree = new InitramfsTree();
  const efivarfs = Bun.spawnSync(["xz", "-dc", join(parts.modulesDir, "kernel/fs/efivarfs/efivarfs.ko.xz")]);
  if (efivarfs.exitCode === 0) tree.add({ type: "file", path: "lib/efivarfs.ko", data: efivarfs.stdout });
  for (const d of ["proc", "sys", "dev", "bin", "tmp"]) tree.add({ type: "dir", path: d });
  tree.add({ type: "chardev", path: "dev/console", major: 5, minor: 1 });
  tree.add({ type: "file", path: "bin/busybox", data: readFileSync(busybox), mode: 0o755 });
  for (const a of ["sh", "mount", "cat", "echo", "find", "sort", "sha256sum", "wc", "poweroff", "basename", "tail", "tr", "od", "printf", "ls", "insmod"]) {
    tree.add({ type: "symlink", path: `bin/${a}`, target: "busybox" });
  }
  tree.add({ type: "file", path: "init", data: new TextEncoder().encode(targetInit(name)), mode: 0o755 });
  tree.add({ type: "file", path: "markers/name", data: new TextEncoder().encode(`${name}\n`) });
  for (const [path, content] of Object.entries(markers)) tree.add({ type: "file", path: `markers/${path}`, data: new TextEncoder().encode(content) });
  return tree.toCpio();
}

export interface UkiSpec {
  output: string;
  linux: string;
  initrds?: string[];
  cmdline?: string;
  osRelease?: string;
  uname?: string;
  /** Extra ukify arguments, e.g. --profile, --join-profile, --section. */
  extra?: string[];
  stub?: string;
}

/** Builds a UKI with the real ukify and systemd-stub. */
export async function buildUki(parts: DebianParts, spec: UkiSpec): Promise<string> {
  mkdirSync(dirname(spec.output), { recursive: true });
  const args = [...parts.ukify.argv, "build", `--linux=${spec.linux}`, `--stub=${spec.stub ?? parts.linuxStub}`, `--output=${spec.output}`];
  for (const i of spec.initrds ?? []) args.push(`--initrd=${i}`);
  if (spec.cmdline !== undefined) args.push(`--cmdline=${spec.cmdline}`);
  if (spec.osRelease !== undefined) args.push(`--os-release=${spec.osRelease}`);
  if (spec.uname !== undefined) args.push(`--uname=${spec.uname}`);
  args.push(...(spec.extra ?? []));
  await run(args, { env: parts.ukify.env });
  return spec.output;
}

/** Builds an add-on with ukify and the real addonx64.efi.stub. */
export async function buildAddon(
  parts: DebianParts,
  spec: { output: string; cmdline?: string; initrd?: string; ucode?: string; uname?: string },
): Promise<string> {
  mkdirSync(dirname(spec.output), { recursive: true });
  const args = [...parts.ukify.argv, "build", `--stub=${parts.addonStub}`, `--output=${spec.output}`];
  if (spec.cmdline !== undefined) args.push(`--cmdline=${spec.cmdline}`);
  if (spec.initrd !== undefined) args.push(`--initrd=${spec.initrd}`);
  if (spec.ucode !== undefined) args.push(`--microcode=${spec.ucode}`);
  if (spec.uname !== undefined) args.push(`--uname=${spec.uname}`);
  await run(args, { env: parts.ukify.env });
  return spec.output;
}

export interface TargetUkiSpec {
  name: string;
  version: string;
  output: string;
  /** Appended to the base command line (console=ttyS0 …). */
  cmdlineExtra?: string;
  /** Replaces the whole command line. */
  cmdline?: string;
  markers?: Record<string, string>;
  osReleaseExtra?: string;
  extra?: string[];
  /** Files of an uncompressed cpio that becomes the UKI's .ucode section. */
  ucode?: Record<string, string>;
  /** The kernel to pack (default: the Debian kernel as Debian signed it). */
  linux?: string;
  /** A `.splash`: the lab's test pattern (test/support/bmp-writer.ts) of this size, a 24-bit BMP. */
  splash?: { width: number; height: number };
}

/** The base command line of every target: the serial console, quiet, and no reboot loop on panic. */
export const TARGET_CMDLINE = "console=ttyS0 panic=-1 quiet";

/** A target UKI: the Debian kernel plus a sentinel initrd, with an os-release naming it. */
export async function buildTargetUki(parts: DebianParts, workDir: string, spec: TargetUkiSpec): Promise<string> {
  mkdirSync(workDir, { recursive: true });
  const initrd = join(workDir, `${spec.name}.initrd.cpio`);
  writeFileSync(initrd, buildTargetInitrd(parts, spec.name, spec.markers));
  const osrel = join(workDir, `${spec.name}.os-release`);
  writeFileSync(osrel, `NAME="Target OS"\nID=target\nPRETTY_NAME="Target OS ${spec.name}"\nVERSION_ID=${spec.version}\n${spec.osReleaseExtra ?? ""}`);
  const extra = [...(spec.extra ?? [])];
  if (spec.ucode) {
    const tree = new InitramfsTree();
    for (const [name, content] of Object.entries(spec.ucode)) tree.add({ type: "file", path: name, data: new TextEncoder().encode(content) });
    const ucode = join(workDir, `${spec.name}.ucode.cpio`);
    writeFileSync(ucode, tree.toCpio());
    extra.push(`--microcode=${ucode}`);
  }
  if (spec.splash) {
    const bmp = join(workDir, `${spec.name}.splash.bmp`);
    writeFileSync(bmp, splashPattern(spec.splash.width, spec.splash.height));
    extra.push(`--splash=${bmp}`);
  }
  return buildUki(parts, {
    output: spec.output,
    linux: spec.linux ?? parts.vmlinuz,
    initrds: [initrd],
    cmdline: spec.cmdline ?? `${TARGET_CMDLINE} UKIBOOT_TARGET=${spec.name}${spec.cmdlineExtra ? ` ${spec.cmdlineExtra}` : ""}`,
    osRelease: `@${osrel}`,
    uname: parts.kernelVersion,
    extra,
  });
}

/** Parses the sentinel block of a target out of a console log. */
export interface TargetReport {
  name: string;
  cmdline: string;
  files: Record<string, { size: number; sha256: string }>;
  efivars: Record<string, string>;
  pcr11?: string;
  pcr12?: string;
  /** The boot protocol's type_of_loader as the target saw it ("d0" after kexec_file_load). */
  typeOfLoader?: string;
  /**
   * Whether the target mounted efivarfs, which `efivars` is read from: "absent" when the kernel has no
   * /sys/firmware/efi (no EFI boot), "failed: <mount's error>" when it could not be mounted; undefined when
   * the report has no such line. Checks on `efivars` mean something only when it is "mounted".
   */
  efivarfs?: EfivarfsState;
}

export type EfivarfsState = "mounted" | "absent" | `failed: ${string}`;

export function parseTargetReport(log: string): TargetReport | null {
  const clean = log.replace(/\r/g, "");
  const begin = clean.lastIndexOf(`${SENTINEL}-BEGIN name=`);
  if (begin < 0) return null;
  const endIdx = clean.indexOf(`${SENTINEL}-END`, begin);
  if (endIdx < 0) return null;
  const block = clean.slice(begin, endIdx).split("\n");
  const report: TargetReport = { name: block[0]!.split("name=")[1]!.trim(), cmdline: "", files: {}, efivars: {} };
  for (const l of block) {
    if (l.startsWith(`${SENTINEL}-CMDLINE `)) report.cmdline = l.slice(`${SENTINEL}-CMDLINE `.length).trim();
    const f = l.match(new RegExp(`^${SENTINEL}-FILE (\\S+) (\\d+) ([0-9a-f]{64})`));
    if (f) report.files[f[1]!] = { size: Number(f[2]), sha256: f[3]! };
    const v = l.match(new RegExp(`^${SENTINEL}-EFIVAR (\\S+) (.*)$`));
    if (v) report.efivars[v[1]!] = v[2]!;
    const ev = l.match(new RegExp(`^${SENTINEL}-EFIVARFS (mounted|absent|failed: .*)$`));
    if (ev) report.efivarfs = ev[1]!.trimEnd() as EfivarfsState;
    const ld = l.match(new RegExp(`^${SENTINEL}-LOADER\\s+([0-9a-f]{2})`));
    if (ld) report.typeOfLoader = ld[1]!;
    const p = l.match(new RegExp(`^${SENTINEL}-PCR1([12]) (\\S+)`));
    if (p) report[p[1] === "1" ? "pcr11" : "pcr12"] = p[2]!.toLowerCase();
  }
  return report;
}
