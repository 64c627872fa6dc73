/** mount(2)/umount2(2) with a record of what ukiboot mounted, so it can unmount exactly that before kexec. */
import { mkdirSync } from "node:fs";
import { cString, sysCall } from "./libc.ts";
import { MNT_DETACH, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REMOUNT } from "./syscall-numbers.ts";

export function mount(source: string, target: string, fstype: string, flags: number, data = ""): void {
  mkdirSync(target, { recursive: true });
  sysCall("mount", [cString(source), cString(target), cString(fstype), flags, data ? cString(data) : null], {
    args: `"${source}", "${target}", "${fstype}", 0x${flags.toString(16)}, "${data}"`,
    action: `mount "${source}" on "${target}"`,
    hints: {
      ENODEV: `The kernel does not know the "${fstype}" filesystem: include its module (fat, vfat, nls_*) in the initramfs`,
      EINVAL: `"${source}" does not hold a valid ${fstype} filesystem`,
      ENOENT: `"${source}" does not exist (yet): the disk may appear later`,
      EBUSY: `"${target}" is busy or "${source}" is already mounted`,
    },
  });
}

export function umount(target: string, opts: { detach?: boolean } = {}): void {
  sysCall("umount2", [cString(target), opts.detach ? MNT_DETACH : 0], {
    args: `"${target}", ${opts.detach ? "MNT_DETACH" : "0"}`,
    action: `unmount "${target}"`,
  });
}

/** The mounts ukiboot made, newest last. */
export class MountTable {
  private readonly mounted: string[] = [];

  /** Mounts a FAT partition read-only, nosuid, nodev, noexec (the ESP is never written except for counter renames). */
  mountVfatReadOnly(device: string, target: string): void {
    // utf8 so non-ASCII names appear as they do on other systems; shortname=mixed keeps the on-disk case of 8.3 names.
    mount(device, target, "vfat", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "utf8,shortname=mixed");
    this.mounted.push(target);
  }

  /** Remounts read-write for one rename, then read-only again; used only for boot-counter renames. */
  withReadWrite<T>(target: string, fn: () => T): T {
    mount("", target, "", MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC);
    try {
      return fn();
    } finally {
      mount("", target, "", MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
    }
  }

  track(target: string): void {
    this.mounted.push(target);
  }

  list(): readonly string[] {
    return this.mounted;
  }

  /** Unmounts everything ukiboot mounted, newest first; a busy mount is detached instead. */
  unmountAll(): { target: string; error?: Error }[] {
    const out: { target: string; error?: Error }[] = [];
    while (this.mounted.length > 0) {
      const t = this.mounted.pop()!;
      try {
        umount(t);
        out.push({ target: t });
      } catch {
        try {
          umount(t, { detach: true });
          out.push({ target: t });
        } catch (e) {
          out.push({ target: t, error: e as Error });
        }
      }
    }
    return out;
  }
}

export function sync(): void {
  sysCall("sync", [], { args: "" });
}
