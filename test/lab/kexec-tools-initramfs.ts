/**
 * The reference of the boot-time benchmark: the smallest initramfs that does ukiboot's job with
 * the established tools. Debian's busybox-static, kexec-tools 2.0.32 from forky (which splits a UKI itself
 * with `kexec -s`) with its libraries, the FAT modules, and a short init that mounts the ESP, loads the
 * newest UKI with `kexec -s -l` and starts it. kexec-tools does not apply a UKI's `.cmdline`, so the
 * target gets the boot kernel's line (`--reuse-cmdline`, as LinuxBoot scripts do). No menu, add-ons, credentials, signatures, measurements or
 * initrd checks: what it leaves out is what ukiboot's extra time buys.
 */
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { debianParts, fetchDebianPackages } from "../../build/debian.ts";
import { DEFAULT_ZSTD_LEVEL } from "../../build/initramfs.ts";
import { DEFAULT_LIBRARY_PATH, resolveLibraryClosure } from "../../build/lib/elf-deps.ts";
import { InitramfsTree } from "../../src/initrd/initramfs-tree.ts";
import { run } from "../../build/lib/run-command.ts";
import { plainModuleBytes } from "../../build/lib/plain-module.ts";
import { moduleName, parseModulesDep, resolveModuleOrder } from "../../src/kernel-modules/module-deps.ts";
import { buildOnce } from "./build-once.ts";

/** kexec-tools and the libraries it links (libxenctrl and what that needs), all from forky. */
const KEXEC_PACKAGES = [
  "kexec-tools",
  "libc6",
  "libxenmisc4.20",
  "libxentoollog1",
  "libxencall1",
  "libxenevtchn1",
  "libxengnttab1",
  "libxenforeignmemory1",
  "libxendevicemodel1",
  "libxentoolcore1",
];

/** What mounting a FAT ESP needs on Debian's cloud kernel (the disk drivers there are built in). */
const FAT_MODULES = ["vfat", "nls_cp437", "nls_ascii", "nls_utf8", "nls_iso8859_1"];

/**
 * The init: the same ESP discovery a minimal script can do (the first vfat partition that has EFI/Linux),
 * and the newest UKI by name, which in the benchmark's ESP is also systemd-boot's default.
 */
const INIT = `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
echo "baseline: started"
for m in $(cat /etc/modules.order); do insmod "/lib/modules/$m"; done
echo "baseline: loaded modules"
mkdir -p /esp
tries=0
while :; do
  tries=$((tries + 1))
  [ "$tries" -gt 300 ] && { echo "baseline: no ESP after 30 s"; exec sh; }
  for d in /dev/nvme*n*p* /dev/vd?? /dev/sd??; do
    [ -b "$d" ] || continue
    mount -t vfat -o ro "$d" /esp 2>/dev/null || continue
    [ -d /esp/EFI/Linux ] && break 2
    umount /esp
  done
  sleep 0.1
done
echo "baseline: using ESP $d"
uki=$(ls /esp/EFI/Linux/*.efi | sort | tail -n 1)
echo "baseline: loading $uki"
kexec -s -l "$uki" --reuse-cmdline || { echo "baseline: kexec -l failed"; exec sh; }
echo "baseline: loaded"
umount /esp
kexec -e
echo "baseline: kexec -e failed"
exec sh
`;

export interface BaselineInitramfs {
  path: string;
  compressedBytes: number;
}

/** The baseline initramfs, compressed at ukiboot's zstd level, built once per kernel and kexec-tools version. */
export async function kexecToolsInitramfs(): Promise<BaselineInitramfs> {
  const parts = await debianParts();
  const pkgs = await fetchDebianPackages("forky", KEXEC_PACKAGES);
  const kexecVersion = readFileSync(join(pkgs["kexec-tools"]!, ".unpacked"), "utf8").trim();
  const dir = await buildOnce(
    "kexec-tools-initramfs",
    { inputs: { kernel: parts.kernelVersion, kexecVersion, INIT, FAT_MODULES, zstdLevel: DEFAULT_ZSTD_LEVEL }, code: import.meta.path, single: true },
    async (out) => {
      // One merged root of the forky packages, where the library closure is resolved as on a forky system.
      const sysroot = join(out, "sysroot");
      mkdirSync(sysroot, { recursive: true });
      for (const p of KEXEC_PACKAGES) await run(["cp", "-a", `${pkgs[p]}/.`, sysroot]);
      const tree = new InitramfsTree();
      for (const d of ["proc", "sys", "dev", "tmp", "esp", "bin", "sbin", "etc", "lib/modules"]) tree.add({ type: "dir", path: d });
      tree.add({ type: "chardev", path: "dev/console", major: 5, minor: 1, mode: 0o600 });
      tree.add({ type: "file", path: "init", data: new TextEncoder().encode(INIT), mode: 0o755 });
      tree.add({ type: "file", path: "bin/busybox", data: readFileSync(parts.busybox), mode: 0o755 });
      for (const a of (await run([parts.busybox, "--list-full"])).stdout.split("\n").filter(Boolean))
        if (!tree.has(a)) tree.add({ type: "symlink", path: a, target: "/bin/busybox" });
      const kexec = join(sysroot, "usr/sbin/kexec");
      tree.add({ type: "file", path: "sbin/kexec", data: readFileSync(kexec), mode: 0o755 });
      for (const lib of resolveLibraryClosure(kexec, DEFAULT_LIBRARY_PATH, sysroot))
        tree.add({ type: "file", path: lib.targetPath, data: readFileSync(lib.hostPath), mode: 0o755 });
      // busybox insmod takes plain modules: Debian's are xz-compressed, so they are unpacked here.
      const deps = parseModulesDep(readFileSync(join(parts.modulesDir, "modules.dep"), "utf8"));
      const { order } = resolveModuleOrder(deps, FAT_MODULES);
      const names: string[] = [];
      for (const rel of order) {
        const file = join(parts.modulesDir, rel);
        const data = plainModuleBytes(file);
        tree.add({ type: "file", path: `lib/modules/${moduleName(rel)}.ko`, data });
        names.push(`${moduleName(rel)}.ko`);
      }
      tree.add({ type: "file", path: "etc/modules.order", data: new TextEncoder().encode(`${names.join("\n")}\n`) });
      const raw = join(out, "initramfs.cpio");
      await Bun.write(raw, tree.toCpio());
      await run(["zstd", "-q", "-f", `-${DEFAULT_ZSTD_LEVEL}`, "-T0", raw, "-o", join(out, "initramfs.cpio.zst")]);
    },
  );
  return { path: join(dir, "initramfs.cpio.zst"), compressedBytes: statSync(join(dir, "initramfs.cpio.zst")).size };
}
