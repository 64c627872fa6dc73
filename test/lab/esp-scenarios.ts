/**
 * ESP trees and disk images for the demo and the QEMU scenarios, built from real parts (Debian kernel,
 * systemd-stub, ukify) once per description and code (test/lab/build-once.ts).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { debianParts, type DebianParts } from "../../build/debian.ts";
import { buildOnce } from "./build-once.ts";
import { makeGptDiskImage } from "./disk-image.ts";
import { InitramfsTree } from "../../build/lib/initramfs-tree.ts";
import { buildSystemdTargetInitrd } from "./systemd-target/initrd.ts";
import { SYSTEMD_TARGET_CMDLINE } from "./systemd-target/cmdline.ts";
import { buildAddon, buildTargetUki, buildUki, type TargetUkiSpec } from "./target-system.ts";

/** One file placed on the ESP. */
export type EspFile =
  | { kind: "target-uki"; path: string; spec: Omit<TargetUkiSpec, "output"> }
  | { kind: "text"; path: string; text: string }
  | { kind: "bytes-of"; path: string; from: "vmlinuz-truncated" }
  | { kind: "boot-uki"; path: string; cmdline: string }
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
  const dir = await buildOnce(`esp-${s.name}`, { inputs: { s, kernel: parts.kernelVersion }, code: import.meta.path, single: true, files: initramfs }, async (out) => {
    const tree = join(out, "tree");
    const work = join(out, "work");
    mkdirSync(tree, { recursive: true });
    for (const f of s.files) await placeFile(parts, tree, work, f, opts.initramfs);
    await makeGptDiskImage(join(out, "disk.img"), [{ kind: "esp", sizeMiB: s.sizeMiB ?? 256, tree, ...(s.partUuid ? { partUuid: s.partUuid } : {}) }]);
    rmSync(work, { recursive: true, force: true });
  });
  return { tree: join(dir, "tree"), image: join(dir, "disk.img") };
}

async function placeFile(parts: DebianParts, tree: string, work: string, f: EspFile, initramfs?: string): Promise<void> {
  const dest = join(tree, f.path);
  mkdirSync(dirname(dest), { recursive: true });
  switch (f.kind) {
    case "target-uki":
      await buildTargetUki(parts, work, { ...f.spec, output: dest });
      return;
    case "text":
      writeFileSync(dest, f.text);
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
      await buildUki(parts, { output: dest, linux: parts.vmlinuz, initrds: [initrd.path], cmdline: SYSTEMD_TARGET_CMDLINE, osRelease: `@${osrel}`, uname: parts.kernelVersion });
      return;
    }
    case "boot-uki":
      if (!initramfs || !existsSync(initramfs)) throw new Error(`Cannot build the boot UKI: "${initramfs}" is missing; run bun run build first`);
      await buildUki(parts, {
        output: dest,
        linux: parts.vmlinuz,
        initrds: [initramfs],
        cmdline: f.cmdline,
        osRelease: 'NAME="ukiboot"\nID=ukiboot\nPRETTY_NAME="ukiboot boot kernel"\n',
        uname: parts.kernelVersion,
      });
      return;
  }
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

/** Issue 6 (a): the newest UKI carries a truncated kernel; the one before it is good. */
export const BROKEN_DEFAULT_ESP: EspScenario = {
  name: "broken-default",
  files: [
    { kind: "bytes-of", path: "EFI/Linux/broken-9.0.efi", from: "vmlinuz-truncated" },
    { kind: "target-uki", path: "EFI/Linux/target-2.0.efi", spec: { name: "good-2.0", version: "2.0" } },
    { kind: "target-uki", path: "EFI/Linux/target-1.0.efi", spec: { name: "old-1.0", version: "1.0" } },
  ],
};

/** Issue 7 (a): the default target asks, as `bootctl set-oneshot` would, for the other entry at the next boot. */
export const ONESHOT_ESP: EspScenario = {
  name: "oneshot",
  files: [
    { kind: "target-uki", path: "EFI/Linux/os-a.efi", spec: { name: "os-a", version: "2.0", cmdlineExtra: "UKIBOOT_TEST_ONESHOT=os-b.efi" } },
    { kind: "target-uki", path: "EFI/Linux/os-b.efi", spec: { name: "os-b", version: "1.0" } },
    { kind: "boot-uki", path: "EFI/BOOT/BOOTX64.EFI", cmdline: BOOT_KERNEL_CMDLINE },
  ],
};

/** Issue 7 (b): a counted entry with three tries, and a newer one with none left, which must sort last. */
export const COUNTING_ESP: EspScenario = {
  name: "counting",
  files: [
    { kind: "target-uki", path: "EFI/Linux/x+3.efi", spec: { name: "x", version: "1.0" } },
    { kind: "target-uki", path: "EFI/Linux/z+0-2.efi", spec: { name: "z", version: "9.0" } },
    { kind: "boot-uki", path: "EFI/BOOT/BOOTX64.EFI", cmdline: BOOT_KERNEL_CMDLINE },
  ],
};

/**
 * Issue 4: a UKI with .ucode, a global and a per-UKI add-on (each with .cmdline and .initrd), credentials,
 * global credentials, a sysext and a confext: everything systemd-stub would merge into the initrd.
 */
export const COMPOSED_ESP: EspScenario = {
  name: "composed",
  files: [
    { kind: "target-uki", path: "EFI/Linux/full.efi", spec: { name: "full", version: "1.0", ucode: { "kernel/x86/microcode/GenuineIntel.bin": "not really microcode\n" } } },
    { kind: "addon", path: "loader/addons/global.addon.efi", cmdline: "GLOBAL_ADDON=1", initrdFiles: { "etc/addon-markers/global": "from the global add-on\n" } },
    { kind: "addon", path: "EFI/Linux/full.efi.extra.d/local.addon.efi", cmdline: "LOCAL_ADDON=1", initrdFiles: { "etc/addon-markers/local": "from the UKI's own add-on\n" } },
    { kind: "text", path: "EFI/Linux/full.efi.extra.d/a.cred", text: "credential a\n" },
    { kind: "text", path: "EFI/Linux/full.efi.extra.d/b.cred", text: "credential b\n" },
    { kind: "text", path: "loader/credentials/g.cred", text: "global credential\n" },
    { kind: "text", path: "EFI/Linux/full.efi.extra.d/tools.raw", text: "a system extension image\n" },
    { kind: "text", path: "EFI/Linux/full.efi.extra.d/etc.confext.raw", text: "a configuration extension image\n" },
  ],
};

/** Issue 8: a UKI and a global add-on with a command line, for measurements into PCR 11 and PCR 12. */
export const MEASURED_ESP: EspScenario = {
  name: "measured",
  files: [
    { kind: "target-uki", path: "EFI/Linux/measured.efi", spec: { name: "measured", version: "1.0" } },
    { kind: "addon", path: "loader/addons/measured.addon.efi", cmdline: "ADDON_MEASURED=1" },
  ],
};

/** Issue 8: a UKI whose initrd runs systemd, to check PCR 11 after systemd's own enter-initrd measurement. */
export const SYSTEMD_MEASURED_ESP: EspScenario = {
  name: "systemd-measured",
  files: [{ kind: "systemd-target-uki", path: "EFI/Linux/systemd.efi" }],
};
