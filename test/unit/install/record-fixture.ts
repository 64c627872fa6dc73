/** An install record as `ukiboot install` writes it: signed UKI layout, a replaced fallback, Boot0003. */
import type { InstallRecord } from "../../../src/install/install-record.ts";

export const D = (c: string) => c.repeat(64);

export const RECORD: InstallRecord = {
  format: 1,
  ukiboot: { version: "0.1.0", sha256: D("f") },
  installedAt: "2026-12-06T17:00:00.000Z",
  layout: "uki",
  cmdline: "console=tty0 console=ttyS0,115200",
  stub: null,
  kernel: { path: "/boot/vmlinuz-6.12.57+deb13-amd64", release: "6.12.57+deb13-amd64", sha256: D("a"), given: false },
  initramfs: { builder: "ukiboot", sha256: D("b") },
  signing: { key: "/etc/ukiboot/db.key", cert: "/etc/ukiboot/db.crt", subject: "/CN=ukiboot test db" },
  files: [
    { path: "EFI/ukiboot/ukibootx64.efi", sha256: D("c") },
    { path: "EFI/BOOT/BOOTX64.EFI", sha256: D("c"), replaced: { backup: "loader/ukiboot/backup/EFI/BOOT/BOOTX64.EFI", sha256: D("d") } },
  ],
  directories: ["EFI/ukiboot", "loader/ukiboot", "loader/ukiboot/backup", "loader/ukiboot/backup/EFI", "loader/ukiboot/backup/EFI/BOOT"],
  bootEntry: { number: 3, description: "ukiboot", bootOrderBefore: [1, 0] },
  pcrlock: { path: "/var/lib/pcrlock.d/640-ukiboot-boot-image.pcrlock", sha256: D("e") },
};
