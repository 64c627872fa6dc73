/**
 * The write to the ESP a person asks for at the menu: the sealed TOTP secret (docs/trust.md §8). Like the
 * boot counter's rename (esp-rename.ts), the partition is remounted read-write for just this write. The
 * file is written under a temporary name, flushed and renamed over the old one, so that a power cut leaves
 * either the old secret or the new one, never half of one.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { sysCall } from "./libc.ts";
import type { MountTable } from "./mounts.ts";

function writeReplacing(path: string, bytes: Uint8Array): void {
  const dir = dirname(path);
  const temporary = join(dir, `.${basename(path)}.new`);
  mkdirSync(dir, { recursive: true });
  try {
    const fd = openSync(temporary, "w", 0o600);
    try {
      for (let at = 0; at < bytes.byteLength; ) at += writeSync(fd, bytes, at, bytes.byteLength - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (e) {
    // Nothing half-written stays behind.
    rmSync(temporary, { force: true });
    throw e;
  }
  const dfd = openSync(dir, "r");
  try {
    fsyncSync(dfd);
    sysCall("syncfs", [dfd], { args: `"${dir}"`, action: "flush the ESP" });
  } finally {
    closeSync(dfd);
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
