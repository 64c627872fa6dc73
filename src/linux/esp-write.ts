/**
 * The write to the ESP a person asks for at the menu: the sealed TOTP secret (docs/trust.md §8). Like the
 * boot counter's rename (esp-rename.ts), the partition is remounted read-write for just this write, and the
 * file replaced whole (write-replacing.ts), so that a power cut leaves the old secret or the new one.
 */
import { closeSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { sysCall } from "./libc.ts";
import type { MountTable } from "./mounts.ts";
import { writeFileReplacing } from "./write-replacing.ts";

/** The file, then the whole ESP flushed: the FAT and its directory entries with it. */
function writeReplacing(path: string, bytes: Uint8Array): void {
  writeFileReplacing(path, bytes, 0o600);
  const fd = openSync(dirname(path), "r");
  try {
    sysCall("syncfs", [fd], { args: `"${dirname(path)}"`, action: "flush the ESP" });
  } finally {
    closeSync(fd);
  }
}

/** Writes `path` on the mount it is under, remounting that mount read-write for the write when ukiboot mounted it. */
export function writeOnReadOnlyMount(mounts: MountTable | null, mountPoint: string, path: string, bytes: Uint8Array): void {
  try {
    if (mounts === null) writeReplacing(path, bytes);
    else mounts.withReadWrite(mountPoint, () => writeReplacing(path, bytes));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(
      `Cannot write "${path}" on the ESP: ${err.code ?? ""} ${err.message}. Check the ESP with fsck.fat and that it has free space, then choose the action again`,
      { cause: e },
    );
  }
}
