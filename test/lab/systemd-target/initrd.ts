/**
 * A systemd 257 target initrd (Debian trixie packages, unmodified) for the TPM phase-measurement tests of
 * boot-behaviour.md §12.3 and §16.5: the stock systemd-pcrphase-initrd.service measures "enter-initrd" into
 * PCR 11 when systemd believes it runs on a measured UKI, and a report unit prints PCR 11, the state of that
 * service and systemd's userspace measure log (/run/log/systemd/tpm2-measure.log) to the serial console,
 * then powers off.
 *
 * What decides whether the phase is measured (systemd 257.13 sources; details in the findings notes):
 * - the unit's `ConditionSecurity=measured-uki` is evaluated by PID 1 (src/shared/condition.c →
 *   efi_measured_uki()), which honours `$SYSTEMD_FORCE_MEASURE` from PID 1's own environment; a
 *   kernel command-line `KEY=value` the kernel does not know lands there;
 * - `systemd-pcrextend --graceful enter-initrd` repeats efi_measured_uki() in its own process, whose
 *   environment is the manager's default environment, set with `systemd.setenv=`;
 * - `--graceful` also requires tpm2_is_fully_supported(), which includes efi_has_tpm2(): an EFI boot
 *   (/sys/firmware/efi) whose firmware knows the TPM (ACPI TPM2 table or the TCG2 final events table).
 *   Nothing overrides that, so a non-EFI LinuxBoot boot never measures phases with the stock units.
 *
 * The initrd holds only what that needs: systemd, systemd-executor, systemd-pcrextend, systemctl, the
 * tpm2-tss libraries systemd dlopens, their shared-library closure, a hand-picked set of stock unit files
 * (no udev, no journald; one generator, systemd-debug-generator, for unit drop-ins passed as credentials),
 * busybox for the report script, and /etc/initrd-release. With SWITCH_ROOT_WORD on the command line it
 * also leaves the initrd through the stock initrd-switch-root.target into a copy of itself, so the host
 * phases ("leave-initrd", "sysinit", "ready") are measured and reported as well.
 * Built once per input set under .cache/fixtures/systemd-target/<key>/.
 */
import { PCRPHASE_UNITS, PHASE_MEASURE_WORDS_EFI, pcrphaseWithoutEfiCredentialWords, pcrphaseWithoutEfiDropIn } from "../../../src/tpm/phase-measure-words.ts";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, posix } from "node:path";
import { CACHE_DIR, fetchDebianPackages, TARGET_RELEASE } from "../../../build/debian.ts";
import { readElfInfo } from "../../../build/lib/elf-deps.ts";
import { InitramfsTree } from "../../../build/lib/initramfs-tree.ts";
import { run } from "../../../build/lib/run-command.ts";

/** Debian packages the initrd is assembled from (systemd's library closure is resolved inside these trees). */
export const SYSTEMD_TARGET_PACKAGES = [
  "systemd",
  "libsystemd-shared",
  "libc6",
  "libacl1",
  "libapparmor1",
  "libaudit1",
  "libblkid1",
  "libcap-ng0",
  "libcap2",
  "libcrypt1",
  "libmount1",
  "libpam0g",
  "libpcre2-8-0",
  "libseccomp2",
  "libselinux1",
  "libssl3t64",
  "libzstd1",
  "zlib1g",
  // tpm2-tss: systemd dlopens esys, rc and mu, and loads the "device" TCTI itself (libtss2-tcti-<name>.so.0).
  "libtss2-esys-3.0.2-0t64",
  "libtss2-mu-4.0.1-0t64",
  "libtss2-rc0t64",
  "libtss2-sys1t64",
  "libtss2-tcti-device0t64",
  "libtss2-tctildr0t64",
] as const;

/** Executables copied from the systemd package, with their shared-library closure. */
const EXECUTABLES = [
  "usr/lib/systemd/systemd",
  "usr/lib/systemd/systemd-executor",
  "usr/lib/systemd/systemd-pcrextend",
  "usr/bin/systemctl",
  // The only generator: it turns systemd.unit-dropin.* credentials into drop-ins (the no-EFI alternative).
  "usr/lib/systemd/system-generators/systemd-debug-generator",
];

/** Libraries systemd opens with dlopen(), so no DT_NEEDED entry names them (sonames from libsystemd-shared's .note.dlopen). */
const DLOPENED = ["libtss2-esys.so.0", "libtss2-rc.so.0", "libtss2-mu.so.0", "libtss2-tcti-device.so.0"];

/**
 * Stock unit files, unchanged. The chain initrd.target → basic.target → sysinit.target is the one a real
 * initrd runs, and initrd-switch-root.target/.service the real way out of it (isolating that target stops
 * systemd-pcrphase-initrd.service, whose ExecStop measures "leave-initrd"). Units that would need udev,
 * journald or a root device are left out, so their Wants= are harmless "not found" entries.
 */
const STOCK_UNITS = [
  "initrd.target",
  "initrd-switch-root.target",
  "initrd-switch-root.service",
  "basic.target",
  "sysinit.target",
  "local-fs-pre.target",
  "local-fs.target",
  "swap.target",
  "sockets.target",
  "timers.target",
  "paths.target",
  "slices.target",
  "shutdown.target",
  "systemd-pcrphase-initrd.service",
  "systemd-pcrphase-sysinit.service",
  "systemd-pcrphase.service",
];

/** Wants symlinks exactly as the systemd package installs them (only the pcrphase ones). */
const STOCK_WANTS: [target: string, unit: string][] = [
  ["initrd.target", "systemd-pcrphase-initrd.service"],
  ["sysinit.target", "systemd-pcrphase-sysinit.service"],
  ["sysinit.target", "systemd-pcrphase.service"],
];

/** Marker prefix of every report line on the serial console. */
export const SYSTEMD_TARGET_SENTINEL = "SYSTEMD-TARGET";

/**
 * Kernel command-line words that make the stock systemd 257 pcrphase units measure without systemd-stub:
 * the first reaches PID 1's environment (ConditionSecurity=measured-uki), the second the services'
 * environment (systemd-pcrextend's own check). Both are needed, and only an EFI boot whose firmware
 * reports the TPM measures at all (see pcrphaseWithoutEfiCredentialWords for the other case).
 */
export const FORCE_MEASURE_WORDS = PHASE_MEASURE_WORDS_EFI;

/**
 * Base command line of the target: the serial console; systemd's log on the console (PID 1 and, because
 * there is no journald, the services: their output goes to the console with default_standard_output=tty).
 */
export const SYSTEMD_TARGET_CMDLINE = "console=ttyS0 panic=-1 systemd.log_target=console systemd.show_status=1 systemd.default_standard_output=tty";

/**
 * With this word on the command line the initrd does not power off after its report: it copies itself to a
 * tmpfs at /sysroot (without /etc/initrd-release) and leaves through initrd-switch-root.target, so the
 * same systemd continues as a host system, measures "sysinit" and "ready", and reports again.
 */
export const SWITCH_ROOT_WORD = "ukiboot_test.switch_root=1";

/** Where a report comes from: the initrd, or the host system after switch-root. */
export type SystemdTargetStage = "initrd" | "host";

/** The pcrphase units the report shows, in boot order. */

const REPORT_SCRIPT_PATH = "usr/lib/ukiboot/systemd-target-report.sh";
const REPORT_UNITS: Record<SystemdTargetStage, { name: string; wantedBy: string }> = {
  initrd: { name: "ukiboot-systemd-target-report.service", wantedBy: "initrd.target" },
  host: { name: "ukiboot-systemd-target-host-report.service", wantedBy: "basic.target" },
};

const HOST_OS_RELEASE = `NAME="ukiboot systemd target"
ID=ukiboot-systemd-target
PRETTY_NAME="ukiboot systemd 257 target host"
VERSION_ID=257
`;

/** The report, run by busybox sh as a oneshot service; `$1` is the stage. */
export { PCRPHASE_UNITS, pcrphaseWithoutEfiCredentialWords, pcrphaseWithoutEfiDropIn };

export function systemdTargetReportScript(): string {
  const S = SYSTEMD_TARGET_SENTINEL;
  return `#!/bin/sh
# Prints what decides and what shows the phase measurements, then powers off at once (a clean shutdown
# would extend PCR 11 further: "leave-initrd" in the initrd, "shutdown" and "final" on the host), or, in
# the initrd with ${SWITCH_ROOT_WORD}, switches root into a copy of itself.
export PATH=/usr/bin
stage=$1
echo "${S}-BEGIN stage=$stage"
echo "${S}-CMDLINE $(cat /proc/cmdline)"
if [ -d /sys/firmware/efi ]; then echo "${S}-EFI yes"; else echo "${S}-EFI no"; fi
if [ -e /sys/firmware/acpi/tables/TPM2 ]; then echo "${S}-ACPI-TPM2 yes"; else echo "${S}-ACPI-TPM2 no"; fi
echo "${S}-PID1-ENV $(tr '\\000' '\\n' < /proc/1/environ | grep '^SYSTEMD_FORCE_MEASURE=' || echo none)"
echo "${S}-MANAGER-ENV $(systemctl show-environment | grep '^SYSTEMD_FORCE_MEASURE=' || echo none)"
for u in ${PCRPHASE_UNITS.join(" ")}; do
  echo "${S}-UNIT $u $(systemctl show -p ConditionResult -p ActiveState -p Result -p ExecMainStatus $u | tr '\\n' ' ')"
done
echo "${S}-PCR11 $(cat /sys/class/tpm/tpm0/pcr-sha256/11)"
if [ -e /run/log/systemd/tpm2-measure.log ]; then
  # JSON-SEQ: each record starts with an ASCII RS (0x1e).
  tr '\\036' '\\n' < /run/log/systemd/tpm2-measure.log | grep . | while read -r l; do echo "${S}-MEASURE-LOG $l"; done
else
  echo "${S}-MEASURE-LOG-ABSENT"
fi
echo "${S}-END stage=$stage"
if [ "$stage" = initrd ] && grep -qw '${SWITCH_ROOT_WORD}' /proc/cmdline; then
  mkdir -p /sysroot
  mount -t tmpfs -o mode=0755 tmpfs /sysroot
  cp -a /usr /etc /bin /sbin /lib /lib64 /var /init /sysroot/
  mkdir /sysroot/dev /sysroot/proc /sysroot/sys /sysroot/run /sysroot/tmp /sysroot/root
  rm /sysroot/etc/initrd-release /sysroot/etc/os-release
  cat > /sysroot/etc/os-release <<'OSREL'
${HOST_OS_RELEASE}OSREL
  # Stops everything the switch does not need (systemd-pcrphase-initrd.service included), then switches.
  exec systemctl --no-block isolate initrd-switch-root.target
fi
poweroff -f
`;
}

/** A unit that runs the report for `stage`, after the phase barriers of that stage had their chance. */
export function systemdTargetReportUnit(stage: SystemdTargetStage): string {
  const after = stage === "initrd" ? "systemd-pcrphase-initrd.service" : "systemd-pcrphase-sysinit.service systemd-pcrphase.service";
  return `[Unit]
Description=ukiboot systemd target report (${stage})
After=basic.target ${after}
ConditionPathExists=${stage === "initrd" ? "" : "!"}/etc/initrd-release

[Service]
Type=oneshot
StandardOutput=tty
StandardError=tty
TTYPath=/dev/console
ExecStart=/usr/bin/sh /${REPORT_SCRIPT_PATH} ${stage}
`;
}

const INITRD_RELEASE = `NAME="ukiboot systemd target"
ID=ukiboot-systemd-target
PRETTY_NAME="ukiboot systemd 257 target initrd"
VERSION_ID=257
`;

/** Busybox applets the report script uses. */
const APPLETS = ["sh", "cat", "tr", "grep", "poweroff", "mkdir", "mount", "cp", "rm"];

/** Bump after a change in how the initrd is assembled, to rebuild the cached one. */
const LAYOUT_VERSION = 4;

export interface SystemdTargetInitrd {
  /** zstd-compressed newc cpio. */
  path: string;
  /** Cache key: hash of the package versions, busybox, the report and the layout. */
  key: string;
  /** The .deb file name of each package used. */
  debs: Record<string, string>;
}

/** A file of one unpacked package tree, by its path inside the tree. */
interface PackageFile {
  tree: string;
  path: string;
}

/** Finds `path` (relative, e.g. "usr/lib/x86_64-linux-gnu/libc.so.6") in the first package tree holding it. */
function locate(trees: string[], path: string): PackageFile | undefined {
  for (const tree of trees) if (existsSync(join(tree, path))) return { tree, path };
  return undefined;
}

/** The directories ld.so searches on Debian x86_64 without an ld.so.cache, as paths inside the trees. */
const LIBRARY_DIRS = ["usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu", "usr/lib64", "usr/lib"];

/**
 * The shared-library closure of `roots` (paths inside the trees), resolved along each object's RUNPATH
 * and the loader's default directories, as paths inside the trees.
 */
function libraryClosure(trees: string[], roots: PackageFile[]): Map<string, PackageFile> {
  const out = new Map<string, PackageFile>();
  const queue = [...roots];
  while (queue.length > 0) {
    const file = queue.shift()!;
    const real = realpathSync(join(file.tree, file.path));
    const info = readElfInfo(new Uint8Array(readFileSync(real)), join(file.tree, file.path));
    for (const lib of info.needed) {
      if (out.has(lib)) continue;
      const dirs = [...info.runpath.map((d) => d.replace(/^\/+/, "")), ...LIBRARY_DIRS];
      const found = dirs.map((d) => locate(trees, posix.join(d, lib))).find((f) => f !== undefined);
      if (!found) throw new Error(`Cannot find the library "${lib}" needed by "${file.path}" in the packages ${trees.map((t) => t.split("/").at(-1)).join(", ")}`);
      out.set(lib, found);
      queue.push(found);
    }
  }
  return out;
}

/** Adds a package file as a regular file at its own path (symlinks followed, so sonames carry the bytes). */
function addFile(tree: InitramfsTree, f: PackageFile, mode = 0o755): void {
  tree.add({ type: "file", path: f.path, data: new Uint8Array(readFileSync(realpathSync(join(f.tree, f.path)))), mode });
}

/** Assembles the initrd from the unpacked package trees (pure apart from reading them). */
export function assembleSystemdTarget(packageTrees: Record<string, string>, busybox: string): InitramfsTree {
  const trees = SYSTEMD_TARGET_PACKAGES.map((p) => {
    const t = packageTrees[p];
    if (!t) throw new Error(`Cannot assemble the systemd target: the package "${p}" is not unpacked`);
    return t;
  });
  const systemdTree = packageTrees.systemd!;
  const tree = new InitramfsTree();
  // Debian trixie is merged-/usr: the top-level directories are links into /usr.
  for (const d of ["bin", "sbin", "lib", "lib64"]) tree.add({ type: "symlink", path: d, target: `usr/${d}` });
  // sbin merged into bin and /var/run a link to /run, so PID 1 reports no "unmerged-bin" or "var-run-bad" taint.
  tree.add({ type: "symlink", path: "usr/sbin", target: "bin" });
  tree.add({ type: "symlink", path: "var/run", target: "../run" });
  for (const d of ["dev", "proc", "sys", "run", "tmp", "root"]) tree.add({ type: "dir", path: d });
  tree.add({ type: "chardev", path: "dev/console", major: 5, minor: 1 });

  const roots: PackageFile[] = [];
  for (const exe of EXECUTABLES) {
    const f = { tree: systemdTree, path: exe };
    addFile(tree, f);
    roots.push(f);
  }
  for (const lib of DLOPENED) {
    const f = locate(trees, posix.join("usr/lib/x86_64-linux-gnu", lib));
    if (!f) throw new Error(`Cannot find the dlopen()ed library "${lib}" in the systemd target packages`);
    addFile(tree, f);
    roots.push(f);
  }
  for (const f of libraryClosure(trees, roots).values()) addFile(tree, f);
  // The interpreter named in PT_INTERP is /lib64/ld-linux-x86-64.so.2: keep libc6's own link to the real file.
  const ldLink = "usr/lib64/ld-linux-x86-64.so.2";
  const libc6 = packageTrees.libc6!;
  if (!lstatSync(join(libc6, ldLink)).isSymbolicLink()) throw new Error(`Cannot link the ELF interpreter: "${ldLink}" in libc6 is not a symlink`);
  tree.add({ type: "symlink", path: ldLink, target: readlinkSync(join(libc6, ldLink)) });
  tree.add({ type: "file", path: "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", data: new Uint8Array(readFileSync(realpathSync(join(libc6, ldLink)))), mode: 0o755 });

  const unitDir = "usr/lib/systemd/system";
  for (const u of STOCK_UNITS) addFile(tree, { tree: systemdTree, path: posix.join(unitDir, u) }, 0o644);
  for (const [target, unit] of STOCK_WANTS) tree.add({ type: "symlink", path: posix.join(unitDir, `${target}.wants`, unit), target: `../${unit}` });
  const enc = new TextEncoder();
  for (const [stage, { name, wantedBy }] of Object.entries(REPORT_UNITS)) {
    tree.add({ type: "file", path: posix.join(unitDir, name), data: enc.encode(systemdTargetReportUnit(stage as SystemdTargetStage)) });
    tree.add({ type: "symlink", path: posix.join(unitDir, `${wantedBy}.wants`, name), target: `../${name}` });
  }
  // After switch-root (in_initrd() is false) PID 1 starts default.target: the smallest host is basic.target.
  tree.add({ type: "symlink", path: posix.join(unitDir, "default.target"), target: "basic.target" });
  tree.add({ type: "file", path: REPORT_SCRIPT_PATH, data: enc.encode(systemdTargetReportScript()), mode: 0o755 });

  tree.add({ type: "file", path: "usr/bin/busybox", data: new Uint8Array(readFileSync(busybox)), mode: 0o755 });
  for (const a of APPLETS) tree.add({ type: "symlink", path: `usr/bin/${a}`, target: "busybox" });

  // /etc/initrd-release is what makes systemd run in initrd mode (in_initrd()) and pick initrd.target.
  tree.add({ type: "file", path: "etc/initrd-release", data: enc.encode(INITRD_RELEASE) });
  tree.add({ type: "symlink", path: "etc/os-release", target: "initrd-release" });
  tree.add({ type: "file", path: "etc/passwd", data: enc.encode("root:x:0:0:root:/root:/usr/bin/sh\n") });
  tree.add({ type: "file", path: "etc/group", data: enc.encode("root:x:0:\n") });
  // Empty: PID 1 puts a transient machine ID over it, as in any initrd.
  tree.add({ type: "file", path: "etc/machine-id", data: new Uint8Array(), mode: 0o444 });
  tree.add({ type: "symlink", path: "init", target: "usr/lib/systemd/systemd" });
  return tree;
}

/**
 * Fetches the trixie packages (cached), assembles the initrd and compresses it with zstd, once per input
 * set, under .cache/fixtures/systemd-target/<key>/systemd-target.cpio.zst.
 */
export async function buildSystemdTargetInitrd(opts: { busybox: string }): Promise<SystemdTargetInitrd> {
  const trees = await fetchDebianPackages(TARGET_RELEASE, [...SYSTEMD_TARGET_PACKAGES]);
  const debs: Record<string, string> = {};
  for (const p of SYSTEMD_TARGET_PACKAGES) debs[p] = readFileSync(join(trees[p]!, ".unpacked"), "utf8").trim();
  const key = createHash("sha256")
    .update(JSON.stringify({ LAYOUT_VERSION, debs, STOCK_UNITS, STOCK_WANTS, EXECUTABLES, DLOPENED, APPLETS, INITRD_RELEASE }))
    .update(systemdTargetReportScript())
    .update(systemdTargetReportUnit("initrd"))
    .update(systemdTargetReportUnit("host"))
    .update(readFileSync(opts.busybox))
    .digest("hex")
    .slice(0, 16);
  const dir = join(CACHE_DIR, "fixtures", "systemd-target", key);
  const path = join(dir, "systemd-target.cpio.zst");
  if (existsSync(path)) return { path, key, debs };
  mkdirSync(dir, { recursive: true });
  const cpio = join(dir, "systemd-target.cpio");
  writeFileSync(cpio, assembleSystemdTarget(trees, opts.busybox).toCpio());
  // Written under a temporary name and renamed, so an interrupted build never leaves a truncated cache entry.
  await run(["zstd", "-q", "-f", "-12", "-T0", cpio, "-o", `${path}.tmp`]);
  renameSync(`${path}.tmp`, path);
  rmSync(cpio);
  return { path, key, debs };
}

/** What a report unit printed. */
export interface SystemdTargetReport {
  stage: SystemdTargetStage;
  cmdline: string;
  efi: boolean;
  acpiTpm2: boolean;
  /** `SYSTEMD_FORCE_MEASURE=…` in PID 1's own environment, or null. */
  pid1Env: string | null;
  /** `SYSTEMD_FORCE_MEASURE=…` in the manager's environment for services, or null. */
  managerEnv: string | null;
  /** Per pcrphase unit, `systemctl show` values: ConditionResult, ActiveState, Result, ExecMainStatus. */
  units: Record<string, Record<string, string>>;
  /** sha256 bank, lower-case hex. */
  pcr11: string;
  /** Records of /run/log/systemd/tpm2-measure.log (JSON), or null when the file does not exist. */
  measureLog: unknown[] | null;
}

/** Parses the last report block of `stage` out of a console log; null when there is none (or it is incomplete). */
export function parseSystemdTargetReport(log: string, stage: SystemdTargetStage = "initrd"): SystemdTargetReport | null {
  const S = SYSTEMD_TARGET_SENTINEL;
  const clean = log.replace(/\r/g, "");
  const begin = clean.lastIndexOf(`${S}-BEGIN stage=${stage}\n`);
  if (begin < 0) return null;
  const end = clean.indexOf(`${S}-END stage=${stage}`, begin);
  if (end < 0) return null;
  const report: SystemdTargetReport = { stage, cmdline: "", efi: false, acpiTpm2: false, pid1Env: null, managerEnv: null, units: {}, pcr11: "", measureLog: null };
  const value = (l: string, tag: string) => (l.startsWith(`${S}-${tag} `) ? l.slice(`${S}-${tag} `.length).trim() : undefined);
  for (const l of clean.slice(begin, end).split("\n")) {
    let v: string | undefined;
    if ((v = value(l, "CMDLINE")) !== undefined) report.cmdline = v;
    else if ((v = value(l, "EFI")) !== undefined) report.efi = v === "yes";
    else if ((v = value(l, "ACPI-TPM2")) !== undefined) report.acpiTpm2 = v === "yes";
    else if ((v = value(l, "PID1-ENV")) !== undefined) report.pid1Env = v === "none" ? null : v;
    else if ((v = value(l, "MANAGER-ENV")) !== undefined) report.managerEnv = v === "none" ? null : v;
    else if ((v = value(l, "UNIT")) !== undefined) {
      const [unit, ...props] = v.split(/\s+/);
      report.units[unit!] = Object.fromEntries(props.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
    } else if ((v = value(l, "PCR11")) !== undefined) report.pcr11 = v.toLowerCase();
    else if ((v = value(l, "MEASURE-LOG")) !== undefined) (report.measureLog ??= []).push(JSON.parse(v));
  }
  return report;
}
