/**
 * arm64 parts of the demo and the QEMU scenarios (docs/kexec.md §10): ukiboot built for arm64
 * (dist/arm64/), target UKIs made by the real ukify with Debian's arm64 stub and cloud kernel, one of them with
 * its kernel wrapped as an EFI zboot image, and an ESP with a boot UKI for AAVMF.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { debianArm64Parts, debianParts, REPO_ROOT, type DebianParts } from "../../build/debian.ts";
import { buildOnce } from "./build-once.ts";
import { AAVMF_CODE } from "./qemu.ts";
import { makeGptDiskImage } from "./disk-image.ts";
import { buildTargetUki, buildUki } from "./target-system.ts";
import { zbootImage } from "./zboot.ts";

export const ARM64_INITRAMFS = join(REPO_ROOT, "dist", "arm64", "initramfs.cpio.zst");
/** What the arm64 machine needs on this host, for ensureHostTools: QEMU for aarch64 and AAVMF. */
export const ARM64_HOST_TOOLS = { programs: { "qemu-system-aarch64": "qemu-system-arm" }, files: { [AAVMF_CODE]: "qemu-efi-aarch64" } };
/** The boot kernel's line on QEMU's virt machine, whose serial port is a PL011 (ttyAMA0). */
export const ARM64_BOOT_CMDLINE = "console=ttyAMA0 panic=-1 quiet";
const TARGET_CMDLINE = "console=ttyAMA0 panic=-1 quiet";

/** The x64 parts with the arm64 kernel, stubs and busybox in their places; ukify is the host's. */
export async function arm64TargetParts(): Promise<DebianParts> {
  const host = await debianParts();
  const arm = await debianArm64Parts();
  return {
    ...host,
    kernelVersion: arm.kernelVersion,
    vmlinuz: arm.vmlinuz,
    kernelConfig: arm.kernelConfig,
    modulesDir: arm.modulesDir,
    linuxStub: arm.linuxStub,
    addonStub: arm.addonStub,
    systemdBoot: arm.systemdBoot,
    busybox: arm.busybox,
  };
}

/**
 * The arm64 ESP: target-1.0 (the kernel as Debian ships it, a plain Image), target-zboot-2.0 (the same Image
 * in a gzip EFI zboot wrapper, the default by version), loader.conf with `menuTimeout` (0, no menu wait, for
 * the scenarios; the demo shows the menu), and the boot UKI at EFI/BOOT/BOOTAA64.EFI around
 * dist/arm64/initramfs.cpio.zst.
 */
export async function arm64Esp(opts: { menuTimeout?: number } = {}): Promise<{ tree: string; image: string }> {
  const parts = await arm64TargetParts();
  const menuTimeout = opts.menuTimeout ?? 0;
  const name = menuTimeout === 0 ? "esp-arm64" : "esp-arm64-menu";
  const dir = await buildOnce(
    name,
    { inputs: { kernel: parts.kernelVersion, menuTimeout, v: 1 }, code: import.meta.path, single: true, files: [ARM64_INITRAMFS] },
    async (out) => {
      const tree = join(out, "tree");
      const work = join(out, "work");
      mkdirSync(join(tree, "EFI/Linux"), { recursive: true });
      mkdirSync(join(tree, "EFI/BOOT"), { recursive: true });
      mkdirSync(join(tree, "loader"), { recursive: true });
      const zboot = join(work, "vmlinuz.zboot");
      mkdirSync(work, { recursive: true });
      writeFileSync(zboot, zbootImage(readFileSync(parts.vmlinuz), "gzip"));
      const target = (name: string, version: string, linux?: string) =>
        buildTargetUki(parts, work, {
          name,
          version,
          output: join(tree, "EFI/Linux", `target-${name.replace(/-[\d.]+$/, "")}-${version}.efi`),
          cmdline: `${TARGET_CMDLINE} UKIBOOT_TARGET=${name}`,
          ...(linux ? { linux } : {}),
        });
      await target("plain-1.0", "1.0");
      await target("zboot-2.0", "2.0", zboot);
      writeFileSync(join(tree, "loader/loader.conf"), `timeout ${menuTimeout}\n`);
      await buildUki(parts, {
        output: join(tree, "EFI/BOOT/BOOTAA64.EFI"),
        linux: parts.vmlinuz,
        initrds: [ARM64_INITRAMFS],
        cmdline: ARM64_BOOT_CMDLINE,
        osRelease: 'NAME="ukiboot"\nID=ukiboot\nPRETTY_NAME="ukiboot boot kernel (arm64)"\n',
        uname: parts.kernelVersion,
      });
      await makeGptDiskImage(join(out, "disk.img"), [{ kind: "esp", sizeMiB: 256, tree }]);
    },
  );
  return { tree: join(dir, "tree"), image: join(dir, "disk.img") };
}
