/**
 * `dist/initramfs.cpio.zst`: the ukiboot binary, the shared libraries it needs (resolved from its ELF
 * interpreter and DT_NEEDED entries), busybox for the PID-1 shim and the rescue shell, and optionally the
 * kernel modules needed to read an ESP, taken from a modules tree such as a Debian `lib/modules/<version>`.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { type BootInitramfsModules, bootInitramfsTree } from "../src/install/boot-initramfs.ts";
import { INIT_SHIM, UDHCPC_LEASE_SCRIPT } from "../src/install/hook-scripts.ts";
import { parseModulesDep } from "../src/kernel-modules/module-deps.ts";
import { REPO_ROOT } from "./debian.ts";
import { resolveLibraryClosure } from "./lib/elf-deps.ts";
import { plainModuleBytes } from "./lib/plain-module.ts";
import { run } from "./lib/run-command.ts";

/**
 * The image's zstd level (docs/performance.md): 16 keeps the boot image under 50.7 MB (49.7 MB against 51.1 MB at
 * 15), for 10 % more time decompressing on the host (119 ms against 109 ms) and 9 s more building; 17 saves 1.3 MB
 * more for as much again, and 19 decompresses 26 % slower than 15.
 */
export const DEFAULT_ZSTD_LEVEL = 16;

export interface InitramfsOptions {
  binary: string;
  busybox: string;
  /** A `lib/modules/<version>` tree; its basename is the kernel version. */
  modulesDir?: string;
  output?: string;
  /** zstd level; DEFAULT_ZSTD_LEVEL unless a benchmark compares levels. */
  zstdLevel?: number;
  /** Certificate files installed as trust anchors in etc/ukiboot/trust.d/, where ukiboot reads them. */
  anchors?: string[];
  /** A lab image: the shim may offer its rescue shell even while signatures are enforced. */
  allowRescueShell?: boolean;
  /** PEM CAs pinned for HTTPS downloads, installed in etc/ukiboot/trust.d/tls/ (never signing anchors). */
  tlsCas?: string[];
  /**
   * Another architecture's image: the binary's libraries are looked up along `libraryPath` inside
   * `sysroot` (that architecture's unpacked Debian libc6), and `appletLister`, a busybox that runs here, names
   * the applets (the same release's busybox-static has the same ones on every architecture).
   */
  foreign?: { sysroot: string; libraryPath: string[]; appletLister: string };
  /** The modules a local boot loads, instead of src/install/boot-initramfs.ts LOCAL_BOOT_MODULES (a benchmark's reference). */
  localModules?: readonly string[];
}

export interface InitramfsReport {
  output: string;
  rawBytes: number;
  compressedBytes: number;
  parts: Record<string, number>;
  modules: BootInitramfsModules | null;
  libraries: string[];
}

export async function buildInitramfs(opts: InitramfsOptions): Promise<InitramfsReport> {
  const libs = opts.foreign ? resolveLibraryClosure(opts.binary, opts.foreign.libraryPath, opts.foreign.sysroot) : resolveLibraryClosure(opts.binary);
  const applets = (await run([opts.foreign?.appletLister ?? opts.busybox, "--list-full"])).stdout.split("\n").filter(Boolean);
  const modulesDir = opts.modulesDir;
  const file = (path: string) => ({ name: basename(path), bytes: new Uint8Array(readFileSync(path)) });
  const optional = (path: string) => (existsSync(path) ? readFileSync(path) : undefined);
  const { tree, modules } = await bootInitramfsTree({
    shim: INIT_SHIM,
    udhcpcScript: UDHCPC_LEASE_SCRIPT,
    binary: readFileSync(opts.binary),
    libraries: libs.map((l) => ({ targetPath: l.targetPath, file: l.hostPath, read: () => readFileSync(l.hostPath) })),
    busybox: readFileSync(opts.busybox),
    applets,
    ...(modulesDir
      ? {
          modules: {
            version: modulesDir.replace(/\/+$/, "").split("/").at(-1)!,
            deps: parseModulesDep(readFileSync(join(modulesDir, "modules.dep"), "utf8")),
            alias: optional(join(modulesDir, "modules.alias"))?.toString("utf8"),
            builtin: optional(join(modulesDir, "modules.builtin")),
            read: (rel: string) => plainModuleBytes(join(modulesDir, rel)),
            ...(opts.localModules ? { local: opts.localModules } : {}),
          },
        }
      : {}),
    anchors: opts.anchors?.map(file),
    tlsCas: opts.tlsCas?.map(file),
    allowRescueShell: opts.allowRescueShell,
  });

  const cpio = tree.toCpio();
  const output = opts.output ?? join(REPO_ROOT, "dist", "initramfs.cpio.zst");
  const rawPath = output.replace(/\.zst$/, "");
  writeFileSync(rawPath, cpio);
  await run(["zstd", "-q", "-f", `-${opts.zstdLevel ?? DEFAULT_ZSTD_LEVEL}`, "-T0", rawPath, "-o", output]);
  const parts = tree.sizeByPrefix({
    runtime: (p) => p === "usr/bin/ukiboot",
    libraries: (p) =>
      p.startsWith("lib/x86_64-linux-gnu") || p.startsWith("lib/aarch64-linux-gnu") || p.startsWith("lib64") || p === "lib/ld-linux-aarch64.so.1",
    busybox: (p) => p === "bin/busybox",
    modules: (p) => p.startsWith("lib/modules"),
    shim: (p) => p === "init",
  });
  return {
    output,
    rawBytes: cpio.byteLength,
    compressedBytes: Bun.file(output).size,
    parts,
    modules,
    libraries: libs.map((l) => l.targetPath),
  };
}
