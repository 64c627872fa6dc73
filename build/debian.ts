/**
 * Real Debian parts for builds, demos and tests.
 * - Host tools of the machine's own release are installed with apt-get (as root) or named for the user to install.
 * - Packages of another release (trixie: kernel, systemd-stub, ukify, busybox, systemd) are fetched with
 *   `apt-get download` through a private sources list that reuses the mirror already configured on this
 *   machine, and unpacked with `dpkg -x` into the git-ignored cache. Nothing on the machine changes.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { withDirLock } from "./lib/dir-lock.ts";
import { hasProgram, run } from "./lib/run-command.ts";

export const REPO_ROOT = resolve(import.meta.dir, "..");
export const CACHE_DIR = join(REPO_ROOT, ".cache");
export const TARGET_RELEASE = "trixie";

/** Host programs and the Debian package that provides each. */
export const HOST_TOOLS: Record<string, string> = {
  "qemu-system-x86_64": "qemu-system-x86",
  mcopy: "mtools",
  "mkfs.vfat": "dosfstools",
  sfdisk: "fdisk",
  zstd: "zstd",
  xz: "xz-utils",
  cpio: "cpio",
  "dpkg-deb": "dpkg",
  depmod: "kmod",
};
/** Files (not programs) provided by host packages. */
export const HOST_FILES: Record<string, string> = {
  "/usr/share/OVMF/OVMF_CODE_4M.fd": "ovmf",
};

/** Installs missing host tools with apt-get when running as root; otherwise says exactly what to install. */
export async function ensureHostTools(extra: { programs?: Record<string, string>; files?: Record<string, string> } = {}): Promise<void> {
  const programs = { ...HOST_TOOLS, ...extra.programs };
  const files = { ...HOST_FILES, ...extra.files };
  const missing = new Set<string>();
  for (const [prog, pkg] of Object.entries(programs)) if (!hasProgram(prog) && !existsSync(`/usr/sbin/${prog}`)) missing.add(pkg);
  for (const [file, pkg] of Object.entries(files)) if (!existsSync(file)) missing.add(pkg);
  if (missing.size === 0) return;
  const pkgs = [...missing].sort();
  if (process.getuid?.() !== 0) {
    throw new Error(`Cannot continue: these Debian packages are missing: ${pkgs.join(" ")}. Install them with: sudo apt-get install ${pkgs.join(" ")}`);
  }
  console.error(`ukiboot: installing ${pkgs.join(" ")} with apt-get`);
  await run(["apt-get", "update"], { inherit: false });
  await run(["apt-get", "install", "-y", "--no-install-recommends", ...pkgs], { env: { DEBIAN_FRONTEND: "noninteractive" } });
}

/** The first Debian archive URI configured on this machine (deb822 or one-line format). */
export function configuredDebianMirror(): string {
  const candidates: string[] = [];
  const files = ["/etc/apt/sources.list"];
  if (existsSync("/etc/apt/sources.list.d")) {
    for (const f of readdirSync("/etc/apt/sources.list.d").sort()) {
      if (f.endsWith(".list") || f.endsWith(".sources")) files.push(join("/etc/apt/sources.list.d", f));
    }
  }
  for (const f of files) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, "utf8");
    for (const m of text.matchAll(/^\s*URIs:\s*(\S+)/gim)) candidates.push(m[1]!);
    for (const m of text.matchAll(/^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gim)) candidates.push(m[1]!);
  }
  // The main archive, not the security archive or a third-party repository.
  const main = candidates.find((u) => /\/debian\/?$/.test(u));
  if (!main) throw new Error("Cannot find a Debian mirror in /etc/apt/sources.list or /etc/apt/sources.list.d: add the Debian archive to apt's sources");
  return main.replace(/\/$/, "");
}

function aptOptions(dir: string): string[] {
  return [
    `-o`,
    `Dir::Etc::SourceList=${join(dir, "sources.list")}`,
    `-o`,
    `Dir::Etc::SourceParts=/dev/null`,
    `-o`,
    `Dir::State::Lists=${join(dir, "lists")}`,
    `-o`,
    `Dir::Cache=${join(dir, "apt-cache")}`,
    `-o`,
    `Debug::NoLocking=1`,
    // apt drops privileges to _apt for downloads, and _apt cannot write into the cache; no sandbox is needed for this.
    `-o`,
    `APT::Sandbox::User=${process.getuid?.() === 0 ? "root" : (process.env.USER ?? "nobody")}`,
  ];
}

/** Debian's name of a foreign architecture whose packages are fetched next to the host's (arm64 on an x86_64 host). */
export type DebianArch = "amd64" | "arm64";

/** The cache key of a release's packages: `trixie` for the host's architecture, `trixie-arm64` for another. */
function releaseDir(release: string, arch?: DebianArch): string {
  return arch === undefined || arch === hostDebianArch() ? release : `${release}-${arch}`;
}

export function hostDebianArch(): DebianArch {
  return process.arch === "arm64" ? "arm64" : "amd64";
}

async function aptForRelease(release: string, arch?: DebianArch): Promise<string[]> {
  const dir = join(CACHE_DIR, "apt", releaseDir(release, arch));
  mkdirSync(join(dir, "lists", "partial"), { recursive: true });
  mkdirSync(join(dir, "apt-cache", "archives", "partial"), { recursive: true });
  const foreign = arch !== undefined && arch !== hostDebianArch();
  const opts = [...aptOptions(dir), ...(foreign ? ["-o", `APT::Architecture=${arch}`, "-o", `APT::Architectures=${arch}`] : [])];
  const stamp = join(dir, "updated");
  if (!existsSync(stamp)) {
    writeFileSync(join(dir, "sources.list"), `deb${foreign ? ` [arch=${arch}]` : ""} ${configuredDebianMirror()} ${release} main\n`);
    await run(["apt-get", ...opts, "update"]);
    writeFileSync(stamp, new Date().toISOString());
  }
  return opts;
}

/** Resolves a metapackage such as linux-image-cloud-amd64 to the versioned package it depends on. */
export async function resolveDependency(release: string, meta: string, prefix: string, arch?: DebianArch): Promise<string> {
  const opts = await aptForRelease(release, arch);
  const { stdout } = await run(["apt-cache", ...opts, "depends", meta]);
  const dep = stdout
    .split("\n")
    .map((l) => l.trim().replace(/^Depends:\s*/, ""))
    .find((l) => l.startsWith(prefix) && l !== meta);
  if (!dep) throw new Error(`Cannot resolve "${meta}" in Debian ${release}: no dependency starting with "${prefix}"`);
  return dep;
}

/**
 * Downloads and unpacks packages of `release` into `.cache/debian/<release>/<package>/` (one tree per package)
 * and returns those directories. Already unpacked packages are reused. `arch`: another architecture's
 * packages, kept apart in `.cache/debian/<release>-<arch>/`.
 */
export async function fetchDebianPackages(release: string, packages: string[], arch?: DebianArch): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const todo: string[] = [];
  const rel = releaseDir(release, arch);
  for (const p of packages) {
    const dir = join(CACHE_DIR, "debian", rel, p);
    out[p] = dir;
    if (!existsSync(join(dir, ".unpacked"))) todo.push(p);
  }
  if (todo.length === 0) return out;
  // Two test processes may fetch at once (the QEMU scenarios' lanes): one release's downloads one at a time.
  mkdirSync(join(CACHE_DIR, "debian"), { recursive: true });
  await withDirLock(join(CACHE_DIR, "debian", `${rel}.lock`), `Debian ${rel} packages`, async () => {
    const still = todo.filter((p) => !existsSync(join(out[p]!, ".unpacked")));
    if (still.length === 0) return;
    const opts = await aptForRelease(release, arch);
    const debs = join(CACHE_DIR, "debs", rel);
    mkdirSync(debs, { recursive: true });
    await run(["apt-get", ...opts, "download", ...still], { cwd: debs });
    const files = readdirSync(debs);
    for (const p of still) {
      const deb = files
        .filter((f) => f.startsWith(`${p}_`) && f.endsWith(".deb"))
        .sort()
        .at(-1);
      if (!deb) throw new Error(`Cannot find the downloaded package "${p}" in ${debs}`);
      const dir = out[p]!;
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      await run(["dpkg-deb", "-x", join(debs, deb), dir]);
      writeFileSync(join(dir, ".unpacked"), deb);
    }
  });
  return out;
}

/** Paths of the real parts every build, demo and test uses. */
export interface DebianParts {
  kernelVersion: string;
  vmlinuz: string;
  kernelConfig: string;
  /** The `lib/modules/<version>` tree. */
  modulesDir: string;
  linuxStub: string;
  addonStub: string;
  systemdBoot: string;
  busybox: string;
  /** `python3 ukify` with PYTHONPATH set to the unpacked pefile. */
  ukify: { argv: string[]; env: Record<string, string> };
}

let partsPromise: Promise<DebianParts> | undefined;

/** Fetches (once) and returns the trixie kernel, stubs, ukify and busybox. */
export function debianParts(): Promise<DebianParts> {
  partsPromise ??= loadParts();
  return partsPromise;
}

/** The kernel, stubs and busybox every architecture's parts have, from one release's unpacked packages. */
type BootParts = Pick<DebianParts, "kernelVersion" | "vmlinuz" | "kernelConfig" | "modulesDir" | "linuxStub" | "addonStub" | "systemdBoot" | "busybox">;

async function bootParts(kernelPkg: string, dirs: Record<string, string>, efiArch: "x64" | "aa64"): Promise<BootParts> {
  const kdir = dirs[kernelPkg]!;
  const kernelVersion = kernelPkg.replace(/^linux-image-/, "");
  await ensureModulesDep(kdir, kernelVersion);
  const efi = join(dirs["systemd-boot-efi"]!, "usr/lib/systemd/boot/efi");
  return {
    kernelVersion,
    vmlinuz: join(kdir, "boot", `vmlinuz-${kernelVersion}`),
    kernelConfig: join(kdir, "boot", `config-${kernelVersion}`),
    modulesDir: join(kdir, "usr/lib/modules", kernelVersion),
    linuxStub: join(efi, `linux${efiArch}.efi.stub`),
    addonStub: join(efi, `addon${efiArch}.efi.stub`),
    systemdBoot: join(efi, `systemd-boot${efiArch}.efi`),
    busybox: join(dirs["busybox-static"]!, "usr/bin/busybox"),
  };
}

async function loadParts(): Promise<DebianParts> {
  const kernelPkg = await cachedResolve("linux-image-cloud-amd64", "linux-image-");
  const dirs = await fetchDebianPackages(TARGET_RELEASE, [kernelPkg, "systemd-boot-efi", "systemd-ukify", "python3-pefile", "busybox-static"]);
  return {
    ...(await bootParts(kernelPkg, dirs, "x64")),
    ukify: {
      argv: ["python3", join(dirs["systemd-ukify"]!, "usr/bin/ukify")],
      env: { PYTHONPATH: join(dirs["python3-pefile"]!, "usr/lib/python3/dist-packages") },
    },
  };
}

/**
 * Debian trixie's generic kernel (linux-image-amd64), the kernel of a PC: USB and laptop keyboards, the
 * firmware's framebuffer (simpledrm) and the VT are all there, where the cloud kernel has none of them.
 * The demo's `--pc` and the screen scenario boot it; everything else uses the cloud kernel.
 */
export type PcKernelParts = Pick<DebianParts, "kernelVersion" | "vmlinuz" | "kernelConfig" | "modulesDir">;

let pcKernelPromise: Promise<PcKernelParts> | undefined;

/** Fetches (once) and returns trixie's generic amd64 kernel. */
export function debianPcKernel(): Promise<PcKernelParts> {
  pcKernelPromise ??= (async () => {
    const kernelPkg = await cachedResolve("linux-image-amd64", "linux-image-");
    const dirs = await fetchDebianPackages(TARGET_RELEASE, [kernelPkg]);
    const kdir = dirs[kernelPkg]!;
    const kernelVersion = kernelPkg.replace(/^linux-image-/, "");
    await ensureModulesDep(kdir, kernelVersion);
    return {
      kernelVersion,
      vmlinuz: join(kdir, "boot", `vmlinuz-${kernelVersion}`),
      kernelConfig: join(kdir, "boot", `config-${kernelVersion}`),
      modulesDir: join(kdir, "usr/lib/modules", kernelVersion),
    };
  })();
  return pcKernelPromise;
}

/** systemd 262 from Debian forky, the second parity oracle: its stubs, systemd-boot, ukify and systemd-measure. */
export interface Systemd262Parts {
  version: 262;
  linuxStub: string;
  addonStub: string;
  systemdBoot: string;
  /** `python3 ukify` with PYTHONPATH set to forky's pefile. */
  ukify: { argv: string[]; env: Record<string, string> };
  /** systemd-measure run through forky's ld.so (this machine's glibc is older); append its arguments. */
  measure: string[];
}

export const SYSTEMD_262_RELEASE = "forky";

let parts262: Promise<Systemd262Parts> | undefined;

/** Fetches (once) and returns forky's systemd 262 parts. */
export function systemd262Parts(): Promise<Systemd262Parts> {
  parts262 ??= (async () => {
    const dirs = await fetchDebianPackages(SYSTEMD_262_RELEASE, [
      "systemd-boot-efi",
      "systemd-ukify",
      "python3-pefile",
      "systemd-tpm",
      "libsystemd-shared",
      "libc6",
      "libssl3t64",
    ]);
    const efi = join(dirs["systemd-boot-efi"]!, "usr/lib/systemd/boot/efi");
    const libs = [
      join(dirs.libc6!, "usr/lib/x86_64-linux-gnu"),
      join(dirs.libssl3t64!, "usr/lib/x86_64-linux-gnu"),
      join(dirs["libsystemd-shared"]!, "usr/lib/x86_64-linux-gnu/systemd"),
    ].join(":");
    return {
      version: 262,
      linuxStub: join(efi, "linuxx64.efi.stub"),
      addonStub: join(efi, "addonx64.efi.stub"),
      systemdBoot: join(efi, "systemd-bootx64.efi"),
      ukify: {
        argv: ["python3", join(dirs["systemd-ukify"]!, "usr/bin/ukify")],
        env: { PYTHONPATH: join(dirs["python3-pefile"]!, "usr/lib/python3/dist-packages") },
      },
      measure: [
        join(dirs.libc6!, "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
        "--library-path",
        libs,
        join(dirs["systemd-tpm"]!, "usr/lib/systemd/systemd-measure"),
      ],
    };
  })();
  return parts262;
}

/**
 * Debian's package ships no modules.dep (the postinst runs depmod), so generate it in the unpacked tree.
 * depmod looks under <base>/lib/modules, and the package uses /usr/lib/modules: a base with a lib link bridges that.
 */
async function ensureModulesDep(kdir: string, version: string): Promise<void> {
  const modules = join(kdir, "usr/lib/modules", version);
  if (existsSync(join(modules, "modules.dep"))) return;
  const base = join(kdir, ".depmod-base");
  mkdirSync(base, { recursive: true });
  if (!existsSync(join(base, "lib"))) symlinkSync(join(kdir, "usr/lib"), join(base, "lib"));
  await run([Bun.which("depmod") ?? "/usr/sbin/depmod", "-b", base, version]);
}

/** Metapackage resolution is remembered so later runs work from the cache alone. */
async function cachedResolve(meta: string, prefix: string, arch?: DebianArch): Promise<string> {
  const dir = join(CACHE_DIR, "debian", releaseDir(TARGET_RELEASE, arch));
  const file = join(dir, `${meta}.resolved`);
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const dep = await resolveDependency(TARGET_RELEASE, meta, prefix, arch);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, dep);
  return dep;
}

/**
 * Debian trixie's arm64 parts: the cloud kernel (a plain arm64 Image with an EFI stub; Debian builds
 * no zboot kernels), the aa64 stubs, busybox, and the C library.
 */
export interface DebianArm64Parts extends BootParts {
  /** The unpacked libc6: ld.so and the libraries the arm64 ukiboot needs, as /usr/lib/aarch64-linux-gnu. */
  sysroot: string;
}

let arm64Promise: Promise<DebianArm64Parts> | undefined;

/** Fetches (once) and returns trixie's arm64 parts, with apt-get download for the arm64 architecture. */
export function debianArm64Parts(): Promise<DebianArm64Parts> {
  arm64Promise ??= (async () => {
    const kernelPkg = await cachedResolve("linux-image-cloud-arm64", "linux-image-", "arm64");
    const dirs = await fetchDebianPackages(TARGET_RELEASE, [kernelPkg, "systemd-boot-efi", "busybox-static", "libc6"], "arm64");
    return { ...(await bootParts(kernelPkg, dirs, "aa64")), sysroot: dirs.libc6! };
  })();
  return arm64Promise;
}

if (import.meta.main) {
  await ensureHostTools();
  console.log(JSON.stringify(process.argv.includes("--pc") ? await debianPcKernel() : await debianParts(), null, 2));
}
