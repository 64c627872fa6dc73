/**
 * The one write ukiboot makes to the ESP: renaming a boot-counted entry before booting it
 * (docs/efi-variables.md §5). The partition is remounted read-write for just this rename, with
 * RENAME_NOREPLACE, then the directory is fsync'd, the filesystem synced and remounted read-only.
 */
import { closeSync, fsyncSync, openSync } from "node:fs";
import { join } from "node:path";
import { cString, sysCall } from "./libc.ts";
import type { MountTable } from "./mounts.ts";
import { RENAME_NOREPLACE } from "./syscall-numbers.ts";

const AT_FDCWD = -100;

/** Renames `dir/from` to `dir/to` without replacing an existing file. */
export function renameNoReplace(dir: string, from: string, to: string): void {
  const a = join(dir, from);
  const b = join(dir, to);
  sysCall("renameat2", [AT_FDCWD, cString(a), AT_FDCWD, cString(b), RENAME_NOREPLACE], {
    args: `"${a}", "${b}", RENAME_NOREPLACE`,
    action: `rename the boot-counted entry "${from}" to "${to}"`,
    hints: {
      EEXIST: `"${to}" already exists: remove the stale copy so boot counting can continue`,
      EROFS:
        "The ESP is read-only (a write-protected disk, or FAT errors made the kernel remount it read-only): check it with fsck.fat; until then this entry is not counted",
      ENOSPC: "The ESP is full, and the longer name needs another directory entry: remove an old UKI from the ESP",
      EIO: "The disk reported an I/O error: check the ESP with fsck.fat and the disk's health",
      EINVAL: "This filesystem does not support RENAME_NOREPLACE",
    },
  });
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
    sysCall("syncfs", [fd], { args: `"${dir}"`, action: "flush the ESP" });
  } finally {
    closeSync(fd);
  }
}

/** Renames inside a read-only mount by remounting it read-write just for the rename. */
export function renameOnReadOnlyMount(mounts: MountTable | null, mountPoint: string, dir: string, from: string, to: string): void {
  if (mounts === null) {
    renameNoReplace(dir, from, to);
    return;
  }
  mounts.withReadWrite(mountPoint, () => renameNoReplace(dir, from, to));
}
