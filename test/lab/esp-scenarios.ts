/**
 * ESP trees and disk images for the demo and the QEMU scenarios, built from real parts (Debian kernel,
 * systemd-stub, ukify) once per description and code (test/lab/build-once.ts).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { debianParts, type DebianParts } from "../../build/debian.ts";
import { buildOnce } from "./build-once.ts";
import { makeGptDiskImage } from "./disk-image.ts";
import { InitramfsTree } from "../../src/initrd/initramfs-tree.ts";
import { buildSystemdTargetInitrd } from "./systemd-target/initrd.ts";
import { SYSTEMD_TARGET_CMDLINE } from "./systemd-target/cmdline.ts";
import { buildAddon, buildTargetUki, buildUki, type TargetUkiSpec } from "./target-system.ts";
import { signWithSnakeoil, snakeoilKernel } from "./secure-boot.ts";
import { parsePe } from "../../src/pe/pe.ts";

/** One file placed on the ESP. */
export type EspFile =
  /**
   * `secureBoot`: the kernel and the UKI signed with the snakeoil key (test/lab/secure-boot.ts);
   * `tamper`: then one byte of its .cmdline changed, so the signature no longer matches.
   */
  | { kind: "target-uki"; path: string; spec: Omit<TargetUkiSpec, "output">; secureBoot?: boolean | "uki-only"; tamper?: boolean }
  | { kind: "text"; path: string; text: string }
  | { kind: "bytes-of"; path: string; from: "vmlinuz-truncated" }
  | { kind: "boot-uki"; path: string; cmdline: string; secureBoot?: boolean }
  /** The real systemd-boot of the Debian parts (257), as a user who picks it instead of ukiboot installs it. */
  | { kind: "systemd-boot"; path: string }
  /** The Debian kernel as Debian signed it: a key neither db nor the boot kernel's keyrings trust. */
  | { kind: "debian-kernel"; path: string }
  /** An add-on made by ukify with the real addonx64.efi.stub; `initrdFiles` become a newc archive in its .initrd. */
  | { kind: "addon"; path: string; cmdline?: string; initrdFiles?: Record<string, string> }
  /** A UKI whose initrd runs systemd 257 (test/lab/systemd-target/) and reports PCR 11 after enter-initrd. */
  | { kind: "systemd-target-uki"; path: string };

export interface EspScenario {
  name: string;
  files: EspFile[];
  sizeMiB?: number;
  partUuid?: string;
}

export interface BuiltEsp {
  tree: string;
  image: string;
}

/**
 * Builds (or reuses) the scenario's ESP tree and GPT disk image. A `boot-uki` file packs the Debian kernel
 * with `initramfs` (dist/initramfs.cpio.zst), so that file is part of the cache key.
 */
export async function buildEspScenario(s: EspScenario, opts: { initramfs?: string } = {}): Promise<BuiltEsp> {
  const parts = await debianParts();
  const initramfs = opts.initramfs && existsSync(opts.initramfs) ? [opts.initramfs] : [];
  const dir = await buildOnce(
    `esp-${s.name}`,
    { inputs: { s, kernel: parts.kernelVersion }, code: import.meta.path, single: true, files: initramfs },
    async (out) => {
      const tree = join(out, "tree");
      const work = join(out, "work");
      mkdirSync(tree, { recursive: true });
      for (const f of s.files) await placeFile(parts, tree, work, f, opts.initramfs);
      await makeGptDiskImage(join(out, "disk.img"), [{ kind: "esp", sizeMiB: s.sizeMiB ?? 256, tree, ...(s.partUuid ? { partUuid: s.partUuid } : {}) }]);
      rmSync(work, { recursive: true, force: true });
    },
  );
  return { tree: join(dir, "tree"), image: join(dir, "disk.img") };
}

async function placeFile(parts: DebianParts, tree: string, work: string, f: EspFile, initramfs?: string): Promise<void> {
  const dest = join(tree, f.path);
  mkdirSync(dirname(dest), { recursive: true });
  switch (f.kind) {
    case "target-uki": {
      if (!f.secureBoot) {
        await buildTargetUki(parts, work, { ...f.spec, output: dest });
        return;
      }
      const unsigned = join(work, `${f.spec.name}.unsigned.efi`);
      // "uki-only": the UKI is signed, its .linux keeps Debian's signature, which the boot kernel does not trust.
      await buildTargetUki(parts, work, { ...f.spec, output: unsigned, ...(f.secureBoot === "uki-only" ? {} : { linux: await snakeoilKernel(parts) }) });
      await signWithSnakeoil(unsigned, dest);
      if (f.tamper) tamperCmdline(dest);
      return;
    }
    case "text":
      writeFileSync(dest, f.text);
      return;
    case "debian-kernel":
      writeFileSync(dest, readFileSync(parts.vmlinuz));
      return;
    case "bytes-of": {
      // A UKI whose .linux is cut short: the kernel refuses it, and ukiboot must say so and go on.
      const cut = join(work, "vmlinuz-truncated");
      mkdirSync(work, { recursive: true });
      const k = readFileSync(parts.vmlinuz);
      writeFileSync(cut, k.subarray(0, Math.floor(k.length / 3)));
      const osrel = join(work, "broken.os-release");
      writeFileSync(osrel, 'NAME="Broken OS"\nID=target\nPRETTY_NAME="Broken OS"\nVERSION_ID=9.0\n');
      await buildUki(parts, { output: dest, linux: cut, cmdline: "console=ttyS0", osRelease: `@${osrel}`, uname: parts.kernelVersion });
      return;
    }
    case "addon": {
      mkdirSync(work, { recursive: true });
      let initrd: string | undefined;
      if (f.initrdFiles) {
        const tree = new InitramfsTree();
        for (const [name, content] of Object.entries(f.initrdFiles)) tree.add({ type: "file", path: name, data: new TextEncoder().encode(content) });
        initrd = join(work, `${f.path.replaceAll("/", "_")}.cpio`);
        writeFileSync(initrd, tree.toCpio());
      }
      await buildAddon(parts, { output: dest, ...(f.cmdline !== undefined ? { cmdline: f.cmdline } : {}), ...(initrd ? { initrd } : {}) });
      return;
    }
    case "systemd-target-uki": {
      const initrd = await buildSystemdTargetInitrd({ busybox: parts.busybox });
      mkdirSync(work, { recursive: true });
      const osrel = join(work, "systemd-target.os-release");
      writeFileSync(osrel, 'NAME="Target OS"\nID=target\nPRETTY_NAME="Target OS with systemd"\nVERSION_ID=1.0\n');
      await buildUki(parts, {
        output: dest,
        linux: parts.vmlinuz,
        initrds: [initrd.path],
        cmdline: SYSTEMD_TARGET_CMDLINE,
        osRelease: `@${osrel}`,
        uname: parts.kernelVersion,
      });
      return;
    }
    case "systemd-boot": {
      copyFileSync(parts.systemdBoot, dest);
      return;
    }
    case "boot-uki": {
      if (!initramfs || !existsSync(initramfs)) throw new Error(`Cannot build the boot UKI: "${initramfs}" is missing; run bun run build first`);
      const out = f.secureBoot ? join(work, "boot.unsigned.efi") : dest;
      mkdirSync(work, { recursive: true });
      await buildUki(parts, {
        output: out,
        linux: parts.vmlinuz,
        initrds: [initramfs],
        cmdline: f.cmdline,
        osRelease: 'NAME="ukiboot"\nID=ukiboot\nPRETTY_NAME="ukiboot boot kernel"\n',
        uname: parts.kernelVersion,
      });
      // The firmware verifies the boot UKI; systemd-stub then starts its Debian-signed kernel.
      if (f.secureBoot) await signWithSnakeoil(out, dest);
      return;
    }
  }
}

/** Changes one byte of a UKI's .cmdline in place: the file stays a UKI, and its signature no longer matches. */
function tamperCmdline(path: string): void {
  const bytes = new Uint8Array(readFileSync(path));
  const cmdline = parsePe(bytes, { source: path }).sections.find((s) => s.name === ".cmdline");
  if (!cmdline) throw new Error(`Cannot tamper with "${path}": it has no .cmdline section`);
  const at = cmdline.fileOffset + 8;
  bytes[at] = bytes[at] === 0x71 ? 0x72 : 0x71;
  writeFileSync(path, bytes);
}

/** The command line of the boot kernel in every scenario: serial console, and quiet so the log stays readable. */
export const BOOT_KERNEL_CMDLINE = "console=ttyS0 panic=-1 quiet";

/** The demo ESP of `npm start`, also used by the two basic QEMU scenarios. */
export const DEMO_ESP: EspScenario = {
  name: "demo",
  partUuid: "6a3c2c39-4b3f-4d6e-9d7e-5c1e8a7b0001",
  files: [
    { kind: "target-uki", path: "EFI/Linux/target-1.0.efi", spec: { name: "demo-1.0", version: "1.0" } },
    { kind: "target-uki", path: "EFI/Linux/target-2.0.efi", spec: { name: "demo-2.0", version: "2.0", cmdlineExtra: "FROM_UKI=1" } },
    { kind: "text", path: "loader/loader.conf", text: "timeout 5\n" },
    { kind: "boot-uki", path: "EFI/BOOT/BOOTX64.EFI", cmdline: BOOT_KERNEL_CMDLINE },
  ],
};

/**
 * The boot-time benchmark's ESP: three UKIs, no menu wait, so ukiboot and the kexec-tools
 * baseline boot the same newest UKI unattended.
 */
export const BENCH_ESP: EspScenario = {
  name: "bench-boot",
  files: [
    { kind: "target-uki", path: "EFI/Linux/bench-1.0.efi", spec: { name: "bench-1.0", version: "1.0" } },
    { kind: "target-uki", path: "EFI/Linux/bench-2.0.efi", spec: { name: "bench-2.0", version: "2.0" } },
    { kind: "target-uki", path: "EFI/Linux/bench-3.0.efi", spec: { name: "bench-3.0", version: "3.0" } },
    { kind: "text", path: "loader/loader.conf", text: "timeout 0\n" },
  ],
};

/** Five UKIs and `timeout 10`: `bun run bench boot` times the menu's first frame on the serial console. */
/**
 * The menu's TOTP code: OVMF starts the boot UKI, whose stub measures it into PCRs 4 and 11, and the menu
 * waits long enough to be driven over the serial console.
 */
export const TOTP_ESP: EspScenario = {
  name: "totp",
  files: [
    { kind: "target-uki", path: "EFI/Linux/target-1.0.efi", spec: { name: "totp-1.0", version: "1.0" } },
    { kind: "target-uki", path: "EFI/Linux/target-2.0.efi", spec: { name: "totp-2.0", version: "2.0" } },
    { kind: "text", path: "loader/loader.conf", text: "timeout 15\n" },
    { kind: "boot-uki", path: "EFI/BOOT/BOOTX64.EFI", cmdline: BOOT_KERNEL_CMDLINE },
  ],
};

export const MENU_BENCH_ESP: EspScenario = {
  name: "bench-menu-5",
  files: [
    ...[1, 2, 3, 4, 5].map((i): EspFile => ({ kind: "target-uki", path: `EFI/Linux/bench-${i}.0.efi`, spec: { name: `bench-${i}.0`, version: `${i}.0` } })),
    { kind: "text", path: "loader/loader.conf", text: "timeout 10\n" },
  ],
};

/**
 * The firmware comparison of `bun run bench boot`: one UKI and `timeout 0`, with `loader` at
 * EFI/BOOT/BOOTX64.EFI: the real systemd-boot, or a boot UKI (ukiboot's, or the kexec-tools baseline's,
 * whichever initramfs buildEspScenario is given). Everything else on the three ESPs is the same.
 */
export function firmwareBenchEsp(loader: "systemd-boot" | "ukiboot" | "baseline"): EspScenario {
  return {
    name: `bench-firmware-${loader}`,
    files: [
      { kind: "target-uki", path: "EFI/Linux/bench-1.0.efi", spec: { name: "bench-1.0", version: "1.0" } },
      { kind: "text", path: "loader/loader.conf", text: "timeout 0\n" },
      loader === "systemd-boot"
        ? { kind: "systemd-boot", path: "EFI/BOOT/BOOTX64.EFI" }
        : { kind: "boot-uki", path: "EFI/BOOT/BOOTX64.EFI", cmdline: BOOT_KERNEL_CMDLINE },
    ],
  };
}

/** The newest UKI carries a truncated kernel; the one before it is good. */
export const BROKEN_DEFAULT_ESP: EspScenario = {
  name: "broken-default",
  files: [
    { kind: "bytes-of", path: "EFI/Linux/broken-9.0.efi", from: "vmlinuz-truncated" },
    { kind: "target-uki", path: "EFI/Linux/target-2.0.efi", spec: { name: "good-2.0", version: "2.0" } },
    { kind: "target-uki", path: "EFI/Linux/target-1.0.efi", spec: { name: "old-1.0", version: "1.0" } },
  ],
};

/**
 * A target that cannot start: no such rdinit and no such root, so its kernel panics with "VFS: Unable to
 * mount root fs", what a wrong command line or initrd from ukiboot would cause. The fault rule must take that
 * panic for the scenario's failure, never the emulator's (test/lab/qemu.ts).
 */
export const PANICKING_TARGET_ESP: EspScenario = {
  name: "panicking-target",
  files: [
    {
      kind: "target-uki",
      path: "EFI/Linux/panics-1.0.efi",
      spec: { name: "panics-1.0", version: "1.0", cmdline: "console=ttyS0 panic=-1 rdinit=/nonexistent root=/dev/nonexistent" },
    },
  ],
};

/** The default target asks, as `bootctl set-oneshot` would, for the other entry at the next boot. */
export const ONESHOT_ESP: EspScenario = {
  name: "oneshot",
  files: [
    { kind: "target-uki", path: "EFI/Linux/os-a.efi", spec: { name: "os-a", version: "2.0", cmdlineExtra: "UKIBOOT_TEST_ONESHOT=os-b.efi" } },
    { kind: "target-uki", path: "EFI/Linux/os-b.efi", spec: { name: "os-b", version: "1.0" } },
    { kind: "boot-uki", path: "EFI/BOOT/BOOTX64.EFI", cmdline: BOOT_KERNEL_CMDLINE },
  ],
};

/** A counted entry with three tries, and a newer one with none left, which must sort last. */
export const COUNTING_ESP: EspScenario = {
  name: "counting",
  files: [
    { kind: "target-uki", path: "EFI/Linux/x+3.efi", spec: { name: "x", version: "1.0" } },
    { kind: "target-uki", path: "EFI/Linux/z+0-2.efi", spec: { name: "z", version: "9.0" } },
    { kind: "boot-uki", path: "EFI/BOOT/BOOTX64.EFI", cmdline: BOOT_KERNEL_CMDLINE },
  ],
};

/**
 * A UKI with .ucode, a global and a per-UKI add-on (each with .cmdline and .initrd), credentials,
 * global credentials, a sysext and a confext: everything systemd-stub would merge into the initrd.
 */
export const COMPOSED_ESP: EspScenario = {
  name: "composed",
  files: [
    {
      kind: "target-uki",
      path: "EFI/Linux/full.efi",
      spec: { name: "full", version: "1.0", ucode: { "kernel/x86/microcode/GenuineIntel.bin": "not really microcode\n" } },
    },
    {
      kind: "addon",
      path: "loader/addons/global.addon.efi",
      cmdline: "GLOBAL_ADDON=1",
      initrdFiles: { "etc/addon-markers/global": "from the global add-on\n" },
    },
    {
      kind: "addon",
      path: "EFI/Linux/full.efi.extra.d/local.addon.efi",
      cmdline: "LOCAL_ADDON=1",
      initrdFiles: { "etc/addon-markers/local": "from the UKI's own add-on\n" },
    },
    { kind: "text", path: "EFI/Linux/full.efi.extra.d/a.cred", text: "credential a\n" },
    { kind: "text", path: "EFI/Linux/full.efi.extra.d/b.cred", text: "credential b\n" },
    { kind: "text", path: "loader/credentials/g.cred", text: "global credential\n" },
    { kind: "text", path: "EFI/Linux/full.efi.extra.d/tools.raw", text: "a system extension image\n" },
    { kind: "text", path: "EFI/Linux/full.efi.extra.d/etc.confext.raw", text: "a configuration extension image\n" },
  ],
};

/** A UKI and a global add-on with a command line, for measurements into PCR 11 and PCR 12. */
export const MEASURED_ESP: EspScenario = {
  name: "measured",
  files: [
    { kind: "target-uki", path: "EFI/Linux/measured.efi", spec: { name: "measured", version: "1.0" } },
    { kind: "addon", path: "loader/addons/measured.addon.efi", cmdline: "ADDON_MEASURED=1" },
  ],
};

/** A UKI whose initrd runs systemd, to check PCR 11 after systemd's own enter-initrd measurement. */
export const SYSTEMD_MEASURED_ESP: EspScenario = {
  name: "systemd-measured",
  files: [{ kind: "systemd-target-uki", path: "EFI/Linux/systemd.efi" }],
};

/**
 * Secure Boot (a, b, c, f), tried in menu order: a Type #1 entry whose kernel only Debian signed (refused
 * by ukiboot), a UKI whose .linux only Debian signed (ukiboot verifies the UKI, the locked-down kernel
 * refuses the kernel), a UKI with a changed .cmdline byte (refused by ukiboot), and a whole signed one.
 */
export const SECURE_BOOT_ESP: EspScenario = {
  name: "secure-boot",
  files: [
    { kind: "debian-kernel", path: "vmlinuz-debian" },
    {
      kind: "text",
      path: "loader/entries/debian-kernel.conf",
      text: "title Debian kernel as Debian signed it\nsort-key aaa\nlinux /vmlinuz-debian\noptions console=ttyS0\n",
    },
    { kind: "target-uki", path: "EFI/Linux/target-3.0.efi", spec: { name: "kernel-untrusted-3.0", version: "3.0" }, secureBoot: "uki-only" },
    { kind: "target-uki", path: "EFI/Linux/target-2.0.efi", spec: { name: "tampered-2.0", version: "2.0" }, secureBoot: true, tamper: true },
    { kind: "target-uki", path: "EFI/Linux/target-1.0.efi", spec: { name: "signed-1.0", version: "1.0" }, secureBoot: true },
    { kind: "text", path: "loader/loader.conf", text: "timeout menu-hidden\n" },
    { kind: "boot-uki", path: "EFI/BOOT/BOOTX64.EFI", cmdline: BOOT_KERNEL_CMDLINE, secureBoot: true },
  ],
};

/** Secure Boot (d, e): the only target UKI is refused, so nothing can boot; the menu must offer no shell. */
export const SECURE_BOOT_NOTHING_ESP: EspScenario = {
  name: "secure-boot-nothing",
  files: [
    { kind: "target-uki", path: "EFI/Linux/target-2.0.efi", spec: { name: "tampered-2.0", version: "2.0" }, secureBoot: true, tamper: true },
    { kind: "text", path: "loader/loader.conf", text: "timeout 3\n" },
    { kind: "boot-uki", path: "EFI/BOOT/BOOTX64.EFI", cmdline: BOOT_KERNEL_CMDLINE, secureBoot: true },
  ],
};
