/**
 * A systemd 257 target initrd (Debian trixie packages, unmodified) for the TPM phase-measurement tests of
 * docs/measurements.md §3 and docs/measurements.md §4: the stock systemd-pcrphase-initrd.service measures "enter-initrd" into
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
 * Built once per input set and code (test/lab/build-once.ts).
 */
import { lstatSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from "node:fs";
import { basename, join, posix } from "node:path";
import { fetchDebianPackages, TARGET_RELEASE } from "../../../build/debian.ts";
import { buildOnce } from "../build-once.ts";
import { InitramfsTree } from "../../../src/initrd/initramfs-tree.ts";
import { run } from "../../../build/lib/run-command.ts";
import { addFile, libraryClosure, locate, type PackageFile } from "./library-closure.ts";
import { REPORT_SCRIPT_PATH, REPORT_UNITS, systemdTargetReportScript, systemdTargetReportUnit, type SystemdTargetStage } from "./report.ts";

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

const INITRD_RELEASE = `NAME="ukiboot systemd target"
ID=ukiboot-systemd-target
PRETTY_NAME="ukiboot systemd 257 target initrd"
VERSION_ID=257
`;

/** Busybox applets the report script uses. */
const APPLETS = ["sh", "cat", "tr", "grep", "poweroff", "mkdir", "mount", "cp", "rm"];

export interface SystemdTargetInitrd {
  /** zstd-compressed newc cpio. */
  path: string;
  /** Cache key: hash of the package versions, busybox, the report and the layout. */
  key: string;
  /** The .deb file name of each package used. */
  debs: Record<string, string>;
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
  tree.add({
    type: "file",
    path: "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
    data: new Uint8Array(readFileSync(realpathSync(join(libc6, ldLink)))),
    mode: 0o755,
  });

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
 * set and code (test/lab/build-once.ts).
 */
export async function buildSystemdTargetInitrd(opts: { busybox: string }): Promise<SystemdTargetInitrd> {
  const trees = await fetchDebianPackages(TARGET_RELEASE, [...SYSTEMD_TARGET_PACKAGES]);
  const debs: Record<string, string> = {};
  for (const p of SYSTEMD_TARGET_PACKAGES) debs[p] = readFileSync(join(trees[p]!, ".unpacked"), "utf8").trim();
  const dir = await buildOnce("systemd-target", { inputs: { debs }, code: import.meta.path, single: true, files: [opts.busybox] }, async (out) => {
    const cpio = join(out, "systemd-target.cpio");
    writeFileSync(cpio, assembleSystemdTarget(trees, opts.busybox).toCpio());
    await run(["zstd", "-q", "-f", "-12", "-T0", "--rm", cpio, "-o", join(out, "systemd-target.cpio.zst")]);
  });
  return { path: join(dir, "systemd-target.cpio.zst"), key: basename(dir), debs };
}
