/**
 * An initramfs made by Debian's own generator, initramfs-tools' mkinitramfs(8), with the ukiboot hook of
 * initrd-hooks/initramfs-tools/ installed the way a user installs it (hooks/ and scripts/init-premount/ of
 * the configuration directory), for a kernel that is not installed on this machine.
 *
 * mkinitramfs only looks in /lib/modules/<version> and /boot/config-<version>. Nothing on the machine
 * changes: it runs in a private mount namespace (unshare -m) where an overlay over /usr/lib, with its upper
 * layer on a namespace-only tmpfs, provides lib/modules/<version> as a bind mount of the kernel package's
 * tree, and the kernel package's boot/ is bound over /boot. The configuration directory (-d), the work
 * directory (TMPDIR) and the image are built once per input (test/lab/build-once.ts).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureHostTools, REPO_ROOT } from "../../build/debian.ts";
import { buildOnce } from "./build-once.ts";
import { run } from "../../build/lib/run-command.ts";

/**
 * initramfs.conf as Debian's initramfs-tools package ships it, so that the image does not depend on how this
 * machine is configured: MODULES=most (every disk and file-system driver), busybox when installed, zstd.
 */
export const DEBIAN_INITRAMFS_CONF = `MODULES=most
BUSYBOX=auto
KEYMAP=n
COMPRESS=zstd
DEVICE=
NFSROOT=auto
RUNSIZE=10%
FSTYPE=auto
`;

const HOOKS_DIR = join(REPO_ROOT, "initrd-hooks");

/** Files of initrd-hooks/ the image is built from: the generator's two, and what they read. */
const HOOK_FILES = [
  "initramfs-tools/hooks/ukiboot",
  "initramfs-tools/scripts/init-premount/ukiboot",
  "common/files.list",
  "common/files.sh",
  "common/init-shim.sh",
];

export interface MkinitramfsOptions {
  kernelVersion: string;
  /** The kernel package's `lib/modules/<version>` tree, with modules.dep. */
  modulesDir: string;
  /** The kernel package's `boot/` directory: mkinitramfs reads config-<version> to check the compressor. */
  bootDir: string;
  /** The compiled ukiboot (dist/ukiboot). */
  binary: string;
}

export interface MkinitramfsImage {
  image: string;
  /** Paths in the image, as lsinitramfs lists them (no leading slash). */
  contents: string[];
  /** mkinitramfs's own output, for the test log. */
  log: string;
}

/** Where mkinitramfs comes from: installed when missing, unless dracut is installed (the two conflict). */
async function ensureMkinitramfs(): Promise<string> {
  if (!existsSync("/usr/sbin/mkinitramfs")) {
    const dracut = await run(["dpkg-query", "-W", "-f", "${Status}", "dracut"], { okCodes: [0, 1] });
    if (dracut.stdout.includes("install ok installed")) {
      throw new Error("Cannot build with mkinitramfs: initramfs-tools is not installed, and installing it would remove dracut");
    }
    await ensureHostTools({ programs: { mkinitramfs: "initramfs-tools", lsinitramfs: "initramfs-tools-core", unshare: "util-linux" } });
  }
  return (await run(["dpkg-query", "-W", "-f", "${Version}", "initramfs-tools-core"])).stdout.trim();
}

/**
 * Builds (or reuses) `initrd.img` for `opts.kernelVersion` with mkinitramfs and the ukiboot hook.
 * Needs root, for the mount namespace.
 */
export async function buildMkinitramfsImage(opts: MkinitramfsOptions): Promise<MkinitramfsImage> {
  if (process.getuid?.() !== 0) throw new Error("Cannot build with mkinitramfs: the private mount namespace needs root");
  for (const p of [opts.binary, join(opts.modulesDir, "modules.dep"), join(opts.bootDir, `config-${opts.kernelVersion}`)]) {
    if (!existsSync(p)) throw new Error(`Cannot build with mkinitramfs: "${p}" does not exist`);
  }
  const toolsVersion = await ensureMkinitramfs();
  const dir = await buildOnce(
    "mkinitramfs-image",
    {
      inputs: { toolsVersion, kernel: opts.kernelVersion, conf: DEBIAN_INITRAMFS_CONF },
      code: import.meta.path,
      single: true,
      files: [opts.binary, ...HOOK_FILES.map((f) => join(HOOKS_DIR, f))],
    },
    (out) => makeImage(out, toolsVersion, opts),
  );
  return {
    image: join(dir, "initrd.img"),
    contents: readFileSync(join(dir, "contents.txt"), "utf8").split("\n").filter(Boolean),
    log: readFileSync(join(dir, "mkinitramfs.log"), "utf8"),
  };
}

/** Runs mkinitramfs into `dir`: initrd.img, its contents and mkinitramfs's log. */
async function makeImage(dir: string, toolsVersion: string, opts: MkinitramfsOptions): Promise<void> {
  const image = join(dir, "initrd.img");
  const conf = join(dir, "conf");
  mkdirSync(join(conf, "conf.d"), { recursive: true });
  writeFileSync(join(conf, "initramfs.conf"), DEBIAN_INITRAMFS_CONF);
  writeFileSync(join(conf, "modules"), "# Modules to load at boot: none beyond what the hooks and udev load.\n");
  // No swap to resume from in a test image; without this the resume hook guesses from this machine.
  writeFileSync(join(conf, "conf.d", "resume"), "RESUME=none\n");
  // Installed as README.md tells a user to: copies in the configuration directory.
  for (const f of ["hooks/ukiboot", "scripts/init-premount/ukiboot"]) {
    mkdirSync(join(conf, f, ".."), { recursive: true });
    cpSync(join(HOOKS_DIR, "initramfs-tools", f), join(conf, f));
  }
  const scratch = join(dir, "namespace");
  const work = join(dir, "tmp");
  mkdirSync(scratch, { recursive: true });
  mkdirSync(work, { recursive: true });

  // Runs in the private namespace: every mount disappears with it.
  const script = `
set -eu
mount -t tmpfs -o mode=0700 ukiboot-scratch "$SCRATCH"
mkdir "$SCRATCH/upper" "$SCRATCH/work"
mount -t overlay -o "lowerdir=/usr/lib,upperdir=$SCRATCH/upper,workdir=$SCRATCH/work" ukiboot-usr-lib /usr/lib
mkdir -p "/usr/lib/modules/$VERSION"
mount --bind "$MODULES" "/usr/lib/modules/$VERSION"
mount --bind "$BOOT" /boot
mkinitramfs -d "$CONF" -o "$OUT" "$VERSION"
`;
  const env = {
    SCRATCH: scratch,
    VERSION: opts.kernelVersion,
    MODULES: opts.modulesDir,
    BOOT: opts.bootDir,
    CONF: conf,
    OUT: image,
    TMPDIR: work,
    PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
    // Read by the ukiboot hook (initrd-hooks/README.md): the files of this tree, not of an installed ukiboot.
    UKIBOOT_HOOKS_DIR: HOOKS_DIR,
    UKIBOOT_BINARY: opts.binary,
  };
  const t0 = performance.now();
  const result = await run(["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script], { env });
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  rmSync(work, { recursive: true, force: true });
  const listing = await run(["lsinitramfs", image]);
  const contents = listing.stdout.split("\n").filter(Boolean);
  writeFileSync(join(dir, "contents.txt"), `${contents.join("\n")}\n`);
  const log = `mkinitramfs ${toolsVersion} for ${opts.kernelVersion}: ${seconds} s\n${result.stdout}${result.stderr}`;
  writeFileSync(join(dir, "mkinitramfs.log"), log);
}
