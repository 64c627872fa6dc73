/**
 * ukiboot's own initramfs, from its parts: the PID-1 shim as /init, the ukiboot binary and the libraries its
 * runtime needs, busybox for the shim and the rescue shell, and the kernel modules that read an ESP and a
 * keyboard (and, apart, those of the common network cards). One assembly for `bun run build` and for `ukiboot install`,
 * which read the parts from different places.
 */
import { InitramfsTree } from "../initrd/initramfs-tree.ts";
import { parseModulesAlias } from "../kernel-modules/module-alias.ts";
import { moduleName, resolveModuleOrder } from "../kernel-modules/module-deps.ts";

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
 * What a person's keyboard needs, loaded like the disk drivers when a present device matches (docs/menu.md
 * §4): the USB host controllers, USB HID with its generic and two common vendor drivers, the laptop's
 * I2C-HID keyboard with the Intel LPSS and DesignWare I2C controllers it sits behind, and the PC keyboard
 * port where a kernel builds it as a module. Debian's generic kernel has all of them as modules but i8042
 * and atkbd (built in); its cloud kernel has no USB HID at all, so there they are missing and skipped.
 */
export const KEYBOARD_MODULES = [
  "xhci_pci",
  "ehci_pci",
  "ohci_pci",
  "uhci_hcd",
  "usbhid",
  "hid_generic",
  "hid_apple",
  "hid_logitech_dj",
  "i2c_hid_acpi",
  "intel_lpss_pci",
  "intel_lpss_acpi",
  "i2c_designware_pci",
  "i2c_designware_platform",
  "i8042",
  "atkbd",
];

/** What a local boot loads: the ESP's and the keyboard's modules. */
export const LOCAL_BOOT_MODULES = [...new Set([...ESP_MODULES, ...KEYBOARD_MODULES])];

/**
 * Drivers of common network cards, loaded only for a network boot (docs/network.md §4): listed in their own
 * modules.net.dep, so a local boot never loads them. Missing ones (built in, or not in this kernel) are skipped.
 */
export const NET_MODULES = ["virtio_net", "e1000", "e1000e", "igb", "ixgbe", "r8169", "mlx5_core", "af_packet"];

/** Where pinned HTTPS CAs go in the image: src/linux/linux-network.ts reads them. */
export const TLS_CA_DIR_IN_IMAGE = "etc/ukiboot/trust.d/tls";

/** Where ukiboot reads trust anchors in its image (and on a running system): src/flow/trust-context.ts. */
export const ANCHOR_DIR_IN_IMAGE = "etc/ukiboot/trust.d";

export interface NamedBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface BootInitramfsParts {
  /** initrd-hooks/common/init-shim.sh */
  readonly shim: Uint8Array;
  /** initrd-hooks/common/udhcpc-lease.sh */
  readonly udhcpcScript: Uint8Array;
  readonly binary: Uint8Array;
  /** The runtime's libraries at their paths in the image; the same file under two names is given once, then linked. */
  readonly libraries: readonly { readonly targetPath: string; readonly file: string; readonly read: () => Uint8Array }[];
  readonly busybox: Uint8Array;
  /** busybox --list-full: the applets' paths. */
  readonly applets: readonly string[];
  readonly modules?: {
    readonly version: string;
    /** modules.dep, parsed. */
    readonly deps: Map<string, string[]>;
    /** modules.alias, when the tree has one. */
    readonly alias?: string;
    /** modules.builtin, when the tree has one. */
    readonly builtin?: Uint8Array;
    /** A module's bytes, uncompressed, by its path in modules.dep. */
    readonly read: (rel: string) => Uint8Array | Promise<Uint8Array>;
    /** What a local boot loads instead of LOCAL_BOOT_MODULES: the keyboard benchmark's reference image without the keyboard drivers. */
    readonly local?: readonly string[];
  };
  readonly anchors?: readonly NamedBytes[];
  readonly tlsCas?: readonly NamedBytes[];
  /** A lab image: the shim may offer its rescue shell even while signatures are enforced. */
  readonly allowRescueShell?: boolean;
}

export interface BootInitramfsModules {
  readonly version: string;
  readonly included: string[];
  readonly builtinOrMissing: string[];
  readonly network: string[];
}

/** `kernel/fs/fat/vfat.ko.xz` → `kernel/fs/fat/vfat.ko`: modules are stored uncompressed (docs/boot-time.md §4). */
export function plainModulePath(rel: string): string {
  return rel.replace(/\.ko\.(xz|zst|gz)$/, ".ko");
}

/**
 * The image's tree. @throws Error naming a TLS CA that is not a PEM certificate
 */
export async function bootInitramfsTree(p: BootInitramfsParts): Promise<{ tree: InitramfsTree; modules: BootInitramfsModules | null }> {
  const tree = new InitramfsTree();
  for (const d of ["proc", "sys", "dev", "run", "tmp", "mnt", "usr/bin", "usr/sbin", "bin", "sbin", "etc"]) tree.add({ type: "dir", path: d });
  // The kernel opens /dev/console for PID 1 before anything is mounted, so the node must be in the archive.
  tree.add({ type: "chardev", path: "dev/console", major: 5, minor: 1, mode: 0o600 });
  tree.add({ type: "chardev", path: "dev/null", major: 1, minor: 3, mode: 0o666 });

  tree.add({ type: "file", path: "init", data: p.shim, mode: 0o755 });
  tree.add({ type: "file", path: "usr/bin/ukiboot", data: p.binary, mode: 0o755 });
  if (p.anchors?.length || p.allowRescueShell || p.tlsCas?.length) tree.add({ type: "dir", path: "etc/ukiboot" });
  // Read by the shim (UKIBOOT_RESCUE_MARKER) when ukiboot itself cannot run; ukiboot has it compiled in.
  if (p.allowRescueShell) tree.add({ type: "file", path: "etc/ukiboot/allow-rescue-shell", data: new Uint8Array(), mode: 0o444 });
  if (p.anchors?.length || p.tlsCas?.length) tree.add({ type: "dir", path: ANCHOR_DIR_IN_IMAGE });
  for (const a of p.anchors ?? []) tree.add({ type: "file", path: `${ANCHOR_DIR_IN_IMAGE}/${a.name}`, data: a.bytes, mode: 0o444 });
  if (p.tlsCas?.length) {
    tree.add({ type: "dir", path: TLS_CA_DIR_IN_IMAGE });
    for (const ca of p.tlsCas) {
      if (!new TextDecoder("latin1").decode(ca.bytes).includes("-----BEGIN CERTIFICATE-----"))
        throw new Error(`Cannot pin the TLS CA "${ca.name}": it is not a PEM certificate; convert it with openssl x509 -outform PEM`);
      tree.add({ type: "file", path: `${TLS_CA_DIR_IN_IMAGE}/${ca.name.replace(/\.(crt|pem)$/i, "")}.pem`, data: ca.bytes, mode: 0o444 });
    }
  }
  // busybox udhcpc's script for network boots: it hands the lease to ukiboot (docs/network.md §4).
  tree.add({ type: "dir", path: "usr/lib" });
  tree.add({ type: "dir", path: "usr/lib/ukiboot" });
  tree.add({ type: "file", path: "usr/lib/ukiboot/udhcpc-lease.sh", data: p.udhcpcScript, mode: 0o755 });

  const stored = new Map<string, string>();
  for (const lib of p.libraries) {
    const first = stored.get(lib.file);
    if (first) tree.add({ type: "symlink", path: lib.targetPath, target: first });
    else {
      tree.add({ type: "file", path: lib.targetPath, data: lib.read(), mode: 0o755 });
      stored.set(lib.file, lib.targetPath);
    }
  }

  tree.add({ type: "file", path: "bin/busybox", data: p.busybox, mode: 0o755 });
  for (const a of p.applets) if (!tree.has(a)) tree.add({ type: "symlink", path: a, target: "/bin/busybox" });

  return { tree, modules: p.modules ? await addModules(tree, p.modules) : null };
}

async function addModules(tree: InitramfsTree, m: NonNullable<BootInitramfsParts["modules"]>): Promise<BootInitramfsModules> {
  const { order, missing } = resolveModuleOrder(m.deps, [...(m.local ?? LOCAL_BOOT_MODULES)]);
  const base = `lib/modules/${m.version}`;
  const addModule = async (rel: string) => {
    const path = `${base}/${plainModulePath(rel)}`;
    if (!tree.has(path)) tree.add({ type: "file", path, data: await m.read(rel) });
  };
  for (const rel of order) await addModule(rel);
  // A modules.dep with only what is shipped: ukiboot init loads exactly these, dependencies first.
  const depText = (list: string[]) =>
    `${list.map((p) => `${plainModulePath(p)}: ${(m.deps.get(p) ?? []).map(plainModulePath).join(" ")}`.trimEnd()).join("\n")}\n`;
  const encode = (s: string) => new TextEncoder().encode(s);
  tree.add({ type: "file", path: `${base}/modules.dep`, data: encode(depText(order)) });
  // The network drivers apart: loaded only when a network boot needs them.
  const net = resolveModuleOrder(m.deps, NET_MODULES);
  for (const rel of net.order) await addModule(rel);
  tree.add({ type: "file", path: `${base}/modules.net.dep`, data: encode(depText(net.order)) });
  // The aliases of what is shipped: ukiboot loads a driver only when a present device matches one.
  const shipped = new Set([...order, ...net.order].map(moduleName));
  if (m.alias !== undefined) {
    const lines = parseModulesAlias(m.alias).filter((a) => shipped.has(a.module));
    tree.add({ type: "file", path: `${base}/modules.alias`, data: encode(lines.map((a) => `alias ${a.pattern} ${a.module}\n`).join("")) });
  }
  if (m.builtin) tree.add({ type: "file", path: `${base}/modules.builtin`, data: m.builtin });
  return { version: m.version, included: order.map(moduleName), builtinOrMissing: missing, network: net.order.map(moduleName) };
}
