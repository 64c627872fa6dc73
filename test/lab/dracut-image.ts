/**
 * An initramfs made by a real dracut with the ukiboot module of initrd-hooks/dracut/, as a user adds it
 * (`dracut --add ukiboot` with the module in modules.d/), for a kernel that is not installed here.
 *
 * Debian's dracut package conflicts with initramfs-tools, so nothing is installed: dracut-core of this
 * machine's own release is unpacked into .cache/ and run from there (dracut honours `dracutbasedir`), with
 * a copy of its modules.d/ that holds our module. It uses this machine's udev, bash and kmod for the image,
 * as an installed dracut would. The image and its listing are built once per input (test/lab/build-once.ts).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureHostTools, fetchDebianPackages, REPO_ROOT } from "../../build/debian.ts";
import { buildOnce } from "./build-once.ts";
import { run } from "../../build/lib/run-command.ts";

const HOOKS_DIR = join(REPO_ROOT, "initrd-hooks");

/** Files of initrd-hooks/ the image is built from: the module's two, and what they read. */
const HOOK_FILES = ["dracut/90ukiboot/module-setup.sh", "dracut/90ukiboot/ukiboot-hook.sh", "common/files.list", "common/files.sh", "common/init-shim.sh"];

/**
 * The smallest generic (not host-only) images that boot from a block device, with ukiboot (which brings
 * kernel-modules): "shell", dracut's shell init with udev and the root-device wait; "systemd", systemd as the
 * initrd's PID 1 (this machine's systemd), as Fedora-like systems build their initrds, where dracut's hooks
 * run from dracut-pre-mount.service.
 */
const DRACUT_MODULES = {
  shell: ["base", "udev-rules", "rootfs-block", "ukiboot"],
  systemd: ["systemd", "systemd-initrd", "dracut-systemd", "base", "udev-rules", "rootfs-block", "ukiboot"],
} as const;

export interface DracutOptions {
  kernelVersion: string;
  /** The kernel package's `lib/modules/<version>` tree, with modules.dep. */
  modulesDir: string;
  /** The compiled ukiboot (dist/ukiboot). */
  binary: string;
  /** The initrd's init (default "shell"). */
  init?: "shell" | "systemd";
}

export interface DracutImage {
  image: string;
  /** `cpio -itv` of the image: mode, size and path per line. */
  listing: string[];
  /** dracut's own output, for the test log. */
  log: string;
}

/** This machine's Debian release, whose dracut-core matches its udev, bash and libc. */
function hostRelease(): string {
  const m = readFileSync("/etc/os-release", "utf8").match(/^VERSION_CODENAME=(\S+)$/m);
  if (!m) throw new Error("Cannot build with dracut: /etc/os-release has no VERSION_CODENAME (this needs a Debian machine)");
  return m[1]!.replace(/"/g, "");
}

/** Builds (or reuses) `initrd.img` for `opts.kernelVersion` with dracut and the ukiboot module. */
export async function buildDracutImage(opts: DracutOptions): Promise<DracutImage> {
  for (const p of [opts.binary, join(opts.modulesDir, "modules.dep")]) {
    if (!existsSync(p)) throw new Error(`Cannot build with dracut: "${p}" does not exist`);
  }
  // dracut puts this machine's udev daemon and rules into the image; kmod, cpio and zstd are host tools anyway.
  await ensureHostTools({ programs: { udevadm: "udev" }, ...(opts.init === "systemd" ? { files: { "/lib/systemd/systemd": "systemd" } } : {}) });
  const tree = (await fetchDebianPackages(hostRelease(), ["dracut-core"]))["dracut-core"]!;
  const dracutDeb = readFileSync(join(tree, ".unpacked"), "utf8").trim();
  const dir = await buildOnce(
    `dracut-image-${opts.init ?? "shell"}`,
    {
      inputs: { dracutDeb, kernel: opts.kernelVersion, modules: DRACUT_MODULES[opts.init ?? "shell"] },
      code: import.meta.path,
      single: true,
      files: [opts.binary, ...HOOK_FILES.map((f) => join(HOOKS_DIR, f))],
    },
    (out) => makeImage(out, tree, dracutDeb, opts),
  );
  return {
    image: join(dir, "initrd.img"),
    listing: readFileSync(join(dir, "listing.txt"), "utf8").split("\n").filter(Boolean),
    log: readFileSync(join(dir, "dracut.log"), "utf8"),
  };
}

/** Runs dracut into `dir`: initrd.img, its listing and dracut's log. */
async function makeImage(dir: string, tree: string, dracutDeb: string, opts: DracutOptions): Promise<void> {
  const image = join(dir, "initrd.img");
  // dracut's library with our module added, installed the way initrd-hooks/README.md tells a user to.
  const base = join(dir, "dracut");
  cpSync(join(tree, "usr/lib/dracut"), base, { recursive: true });
  cpSync(join(HOOKS_DIR, "dracut/90ukiboot"), join(base, "modules.d/90ukiboot"), { recursive: true });
  const confdir = join(dir, "conf.d");
  const work = join(dir, "tmp");
  mkdirSync(confdir, { recursive: true });
  mkdirSync(work, { recursive: true });
  const argv = [
    join(tree, "usr/bin/dracut"),
    "--force",
    "--no-hostonly",
    "--no-early-microcode",
    // Neither this machine's dracut.conf nor its conf.d: the image must not depend on how it is configured.
    "--conf",
    "/dev/null",
    "--confdir",
    confdir,
    "--kver",
    opts.kernelVersion,
    "--kmoddir",
    opts.modulesDir,
    "--modules",
    DRACUT_MODULES[opts.init ?? "shell"].join(" "),
    "--compress",
    "zstd",
    "--tmpdir",
    work,
    image,
  ];
  const env = {
    PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
    dracutbasedir: base,
    // Read by the ukiboot module (initrd-hooks/README.md): the files of this tree, not of an installed ukiboot.
    UKIBOOT_HOOKS_DIR: HOOKS_DIR,
    UKIBOOT_BINARY: opts.binary,
  };
  const t0 = performance.now();
  const result = await run(argv, { env });
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  rmSync(work, { recursive: true, force: true });
  rmSync(base, { recursive: true, force: true });
  // No early microcode: the image is one zstd-compressed newc archive.
  const listed = await run(["sh", "-c", 'zstd -dc "$1" | cpio -itv --quiet', "sh", image]);
  const listing = listed.stdout.split("\n").filter(Boolean);
  writeFileSync(join(dir, "listing.txt"), `${listing.join("\n")}\n`);
  const log = `dracut from ${dracutDeb} for ${opts.kernelVersion}: ${seconds} s\n${result.stdout}${result.stderr}`;
  writeFileSync(join(dir, "dracut.log"), log);
}
