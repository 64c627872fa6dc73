/**
 * EFI variables through efivarfs (/sys/firmware/efi/efivars) or any directory with the same layout
 * (--efivarfs DIR). efivarfs marks most variables immutable (FS_IMMUTABLE_FL); the flag is cleared before a
 * write or delete, as systemd and u-root do. Writes are one write(2) of attributes + data.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { buildEfivarfsFile, type EfiVariable, parseEfivarfsFile } from "../efi/efivar-codec.ts";
import { efivarfsName, type VariableId } from "../efi/loader-vars.ts";
import { BootError, SysCallError } from "../errors.ts";
import type { EfiVars } from "../ports/sys.ts";
import { ioctlFlags } from "./libc.ts";
import { FS_IMMUTABLE_FL } from "./syscall-numbers.ts";

export const EFIVARFS_DIR = "/sys/firmware/efi/efivars";

/** Clears FS_IMMUTABLE_FL on `path`; filesystems without file flags (tmpfs in tests) are fine. */
function makeMutable(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return;
  }
  try {
    const flags = ioctlFlags(fd, true);
    if (flags & FS_IMMUTABLE_FL) ioctlFlags(fd, false, flags & ~FS_IMMUTABLE_FL);
  } catch (e) {
    if (!(e instanceof SysCallError) || !["ENOTTY", "EOPNOTSUPP", "EINVAL"].includes(e.errnoName)) throw e;
  } finally {
    closeSync(fd);
  }
}

/** Whether efivarfs is mounted at `dir`: the kernel makes the directory on every EFI boot, mounted or not. */
function efivarfsMountedAt(dir: string, mounts = "/proc/self/mounts"): boolean {
  let text: string;
  try {
    text = readFileSync(mounts, "utf8");
  } catch {
    return false;
  }
  return text.split("\n").some((line) => {
    const [, point, type] = line.split(" ");
    return type === "efivarfs" && point === dir;
  });
}

export class Efivarfs implements EfiVars {
  private seen = false;

  /**
   * @param mounts where mounts are listed, for tests. The default location counts only with efivarfs mounted
   * on it: an empty directory would make every variable, SecureBoot included, read as absent, and an absent
   * SecureBoot as off (docs/trust.md §6). A copied tree (--efivarfs DIR) counts when it exists.
   */
  constructor(
    readonly location: string = EFIVARFS_DIR,
    private readonly mounts = "/proc/self/mounts",
  ) {}

  /** Asked again until it holds, since PID 1 mounts efivarfs after this object is made. */
  get available(): boolean {
    if (this.seen) return true;
    this.seen = this.location === EFIVARFS_DIR ? efivarfsMountedAt(this.location, this.mounts) : existsSync(this.location);
    return this.seen;
  }

  private path(v: VariableId): string {
    return join(this.location, efivarfsName(v));
  }

  read(v: VariableId): EfiVariable | null {
    if (!this.available) return null;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(this.path(v)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw e;
    }
    return parseEfivarfsFile(bytes, this.path(v));
  }

  names(guid: string): string[] {
    if (!this.available) return [];
    const suffix = `-${guid.toLowerCase()}`;
    return readdirSync(this.location)
      .filter((n) => n.toLowerCase().endsWith(suffix))
      .map((n) => n.slice(0, -suffix.length));
  }

  write(v: VariableId, value: EfiVariable): void {
    this.requireAvailable(v);
    const path = this.path(v);
    makeMutable(path);
    const buf = buildEfivarfsFile(value);
    let fd: number;
    try {
      fd = openSync(path, "w", 0o644);
    } catch (e) {
      throw this.writeError(v, e);
    }
    try {
      // efivarfs needs the whole variable in one write(2): attributes and data together.
      const n = writeSync(fd, buf);
      if (n !== buf.byteLength) throw new Error(`short write of ${n} of ${buf.byteLength} bytes`);
    } catch (e) {
      throw this.writeError(v, e);
    } finally {
      closeSync(fd);
    }
  }

  remove(v: VariableId): void {
    if (!this.available) return;
    const path = this.path(v);
    makeMutable(path);
    try {
      unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw this.writeError(v, e, "delete");
    }
  }

  private requireAvailable(v: VariableId): void {
    if (!this.available) {
      throw new BootError(
        `Cannot write the EFI variable ${v.name}: there is no efivarfs at "${this.location}"`,
        "EFI variables need a UEFI boot with runtime services; on a LinuxBoot payload this setting is unavailable",
      );
    }
  }

  private writeError(v: VariableId, e: unknown, verb = "write"): BootError {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    const hint =
      code === "EINVAL" || code === "EROFS" || code === "EPERM"
        ? "The firmware refused: volatile variables cannot be changed after boot, and the NVRAM may be full or write-protected"
        : "Check that efivarfs is mounted read-write";
    return new BootError(`Cannot ${verb} the EFI variable ${v.name} in "${this.location}": ${(e as Error).message}`, hint, { cause: e });
  }
}
