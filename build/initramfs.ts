/**
 * `dist/initramfs.cpio.zst`: the ukiboot binary, the shared libraries it needs (resolved from its ELF
 * interpreter and DT_NEEDED entries), busybox for the PID-1 shim and the rescue shell, and optionally the
 * kernel modules needed to read an ESP, taken from a modules tree such as a Debian `lib/modules/<version>`.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseModulesAlias } from "../src/kernel-modules/module-alias.ts";
import { moduleName, parseModulesDep, resolveModuleOrder } from "../src/kernel-modules/module-deps.ts";
import { REPO_ROOT } from "./debian.ts";
import { resolveLibraryClosure } from "./lib/elf-deps.ts";
import { InitramfsTree } from "../src/initrd/initramfs-tree.ts";
import { plainModuleBytes, plainModulePath } from "./lib/plain-module.ts";
import { run } from "./lib/run-command.ts";

/** Modules an ESP needs (disk drivers, FAT, code pages), efivarfs, and TPM drivers for measurements. */
export const ESP_MODULES = [
  "nvme",
  "virtio_blk",
  "virtio_scsi",
  "ahci",
  "sd_mod",
  "usb_storage",
  "uas",
  "xhci_pci",
  "ehci_pci",
  "mmc_block",
  "sdhci_pci",
  "fat",
  "vfat",
  "nls_cp437",
  "nls_ascii",
  "nls_iso8859-1",
  // For kernels whose FAT default I/O charset is UTF-8 (CONFIG_FAT_DEFAULT_UTF8).
  "nls_utf8",
  "efivarfs",
  "tpm_tis",
  "tpm_crb",
];

/**
 * Drivers of common network cards, loaded only for a network boot (docs/network.md §4): listed in their own
 * modules.net.dep, so a local boot never loads them. Missing ones (built in, or not in this kernel) are skipped.
 */
export const NET_MODULES = ["virtio_net", "e1000", "e1000e", "igb", "ixgbe", "r8169", "mlx5_core", "af_packet"];

export interface InitramfsOptions {
  binary: string;
  busybox: string;
  /** A `lib/modules/<version>` tree; its basename is the kernel version. */
  modulesDir?: string;
  output?: string;
  /** zstd level; chosen from measurements in the README. */
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
}

/** Where pinned HTTPS CAs go in the image: src/linux/linux-network.ts reads them. */
export const TLS_CA_DIR_IN_IMAGE = "etc/ukiboot/trust.d/tls";

/** Where ukiboot reads trust anchors in its image (and on a running system): src/flow/trust-context.ts. */
export const ANCHOR_DIR_IN_IMAGE = "etc/ukiboot/trust.d";

export interface InitramfsReport {
  output: string;
  rawBytes: number;
  compressedBytes: number;
  parts: Record<string, number>;
  modules: { version: string; included: string[]; builtinOrMissing: string[]; network: string[] } | null;
  libraries: string[];
}

export async function buildInitramfs(opts: InitramfsOptions): Promise<InitramfsReport> {
  const tree = new InitramfsTree();
  for (const d of ["proc", "sys", "dev", "run", "tmp", "mnt", "usr/bin", "usr/sbin", "bin", "sbin", "etc"]) tree.add({ type: "dir", path: d });
  // The kernel opens /dev/console for PID 1 before anything is mounted, so the node must be in the archive.
  tree.add({ type: "chardev", path: "dev/console", major: 5, minor: 1, mode: 0o600 });
  tree.add({ type: "chardev", path: "dev/null", major: 1, minor: 3, mode: 0o666 });

  tree.add({ type: "file", path: "init", data: readFileSync(join(REPO_ROOT, "initrd-hooks/common/init-shim.sh")), mode: 0o755 });
  tree.add({ type: "file", path: "usr/bin/ukiboot", data: readFileSync(opts.binary), mode: 0o755 });
  if (opts.anchors?.length || opts.allowRescueShell || opts.tlsCas?.length) tree.add({ type: "dir", path: "etc/ukiboot" });
  // Read by the shim (UKIBOOT_RESCUE_MARKER) when ukiboot itself cannot run; ukiboot has it compiled in.
  if (opts.allowRescueShell) tree.add({ type: "file", path: "etc/ukiboot/allow-rescue-shell", data: new Uint8Array(), mode: 0o444 });
  if (opts.anchors?.length) {
    tree.add({ type: "dir", path: ANCHOR_DIR_IN_IMAGE });
    for (const a of opts.anchors) tree.add({ type: "file", path: `${ANCHOR_DIR_IN_IMAGE}/${basename(a)}`, data: readFileSync(a), mode: 0o444 });
  }
  if (opts.tlsCas?.length) {
    if (!opts.anchors?.length) tree.add({ type: "dir", path: ANCHOR_DIR_IN_IMAGE });
    tree.add({ type: "dir", path: TLS_CA_DIR_IN_IMAGE });
    for (const ca of opts.tlsCas) {
      const data = readFileSync(ca);
      if (!data.toString("latin1").includes("-----BEGIN CERTIFICATE-----"))
        throw new Error(`Cannot pin the TLS CA "${ca}": it is not a PEM certificate; convert it with openssl x509 -outform PEM`);
      tree.add({ type: "file", path: `${TLS_CA_DIR_IN_IMAGE}/${basename(ca).replace(/\.(crt|pem)$/i, "")}.pem`, data, mode: 0o444 });
    }
  }
  // busybox udhcpc's script for network boots: it hands the lease to ukiboot (docs/network.md §4).
  tree.add({ type: "dir", path: "usr/lib" });
  tree.add({ type: "dir", path: "usr/lib/ukiboot" });
  tree.add({ type: "file", path: "usr/lib/ukiboot/udhcpc-lease.sh", data: readFileSync(join(REPO_ROOT, "initrd-hooks/common/udhcpc-lease.sh")), mode: 0o755 });

  // The runtime's libraries; a library reachable under two names is stored once and linked.
  const libs = opts.foreign ? resolveLibraryClosure(opts.binary, opts.foreign.libraryPath, opts.foreign.sysroot) : resolveLibraryClosure(opts.binary);
  const stored = new Map<string, string>();
  for (const lib of libs) {
    const first = stored.get(lib.hostPath);
    if (first) tree.add({ type: "symlink", path: lib.targetPath, target: first });
    else {
      tree.add({ type: "file", path: lib.targetPath, data: readFileSync(lib.hostPath), mode: 0o755 });
      stored.set(lib.hostPath, lib.targetPath);
    }
  }

  tree.add({ type: "file", path: "bin/busybox", data: readFileSync(opts.busybox), mode: 0o755 });
  const applets = (await run([opts.foreign?.appletLister ?? opts.busybox, "--list-full"])).stdout.split("\n").filter(Boolean);
  for (const a of applets) {
    if (!tree.has(a)) tree.add({ type: "symlink", path: a, target: "/bin/busybox" });
  }

  let modules: InitramfsReport["modules"] = null;
  if (opts.modulesDir) {
    const version = opts.modulesDir.replace(/\/+$/, "").split("/").at(-1)!;
    const deps = parseModulesDep(readFileSync(join(opts.modulesDir, "modules.dep"), "utf8"));
    const { order, missing } = resolveModuleOrder(deps, ESP_MODULES);
    const base = `lib/modules/${version}`;
    // Shipped uncompressed: the image is compressed as a whole, and the kernel would otherwise decompress each.
    const addModule = (rel: string) => {
      const path = `${base}/${plainModulePath(rel)}`;
      if (!tree.has(path)) tree.add({ type: "file", path, data: plainModuleBytes(join(opts.modulesDir!, rel)) });
    };
    for (const rel of order) addModule(rel);
    // A modules.dep with only what is shipped: ukiboot init loads exactly these, dependencies first.
    const depText = (list: string[]) =>
      list.map((p) => `${plainModulePath(p)}: ${(deps.get(p) ?? []).map(plainModulePath).join(" ")}`.trimEnd()).join("\n") + "\n";
    tree.add({ type: "file", path: `${base}/modules.dep`, data: new TextEncoder().encode(depText(order)) });
    // The network drivers apart: loaded only when a network boot needs them.
    const net = resolveModuleOrder(deps, NET_MODULES);
    for (const rel of net.order) addModule(rel);
    tree.add({ type: "file", path: `${base}/modules.net.dep`, data: new TextEncoder().encode(depText(net.order)) });
    // The aliases of what is shipped: ukiboot loads a driver only when a present device matches one.
    const shipped = new Set([...order, ...net.order].map(moduleName));
    const aliasFile = join(opts.modulesDir, "modules.alias");
    if (existsSync(aliasFile)) {
      const lines = parseModulesAlias(readFileSync(aliasFile, "utf8")).filter((a) => shipped.has(a.module));
      tree.add({ type: "file", path: `${base}/modules.alias`, data: new TextEncoder().encode(lines.map((a) => `alias ${a.pattern} ${a.module}\n`).join("")) });
    }
    const builtin = join(opts.modulesDir, "modules.builtin");
    if (existsSync(builtin)) tree.add({ type: "file", path: `${base}/modules.builtin`, data: readFileSync(builtin) });
    modules = { version, included: order.map(moduleName), builtinOrMissing: missing, network: net.order.map(moduleName) };
  }

  const cpio = tree.toCpio();
  const output = opts.output ?? join(REPO_ROOT, "dist", "initramfs.cpio.zst");
  const rawPath = output.replace(/\.zst$/, "");
  writeFileSync(rawPath, cpio);
  await run(["zstd", "-q", "-f", `-${opts.zstdLevel ?? 15}`, "-T0", rawPath, "-o", output]);
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
