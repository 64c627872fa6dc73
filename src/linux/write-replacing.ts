/**
 * Writing a whole file so that a power cut leaves the old one or the new one, never half of one: written
 * aside under a temporary name, flushed, renamed over the old one, and the directory flushed so that the
 * rename reaches the disk too. Nothing half-written stays behind when a step fails.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** @throws the failing call's error; the temporary file is removed first */
export function writeFileReplacing(path: string, bytes: Uint8Array, mode: number): void {
  const dir = dirname(path);
  const temporary = join(dir, `.${basename(path)}.ukiboot-new`);
  mkdirSync(dir, { recursive: true });
  try {
    const fd = openSync(temporary, "w", mode);
    try {
      for (let at = 0; at < bytes.byteLength; ) at += writeSync(fd, bytes, at, bytes.byteLength - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (e) {
    rmSync(temporary, { force: true });
    throw e;
  }
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
