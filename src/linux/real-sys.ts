/** The one place that assembles the real implementations of the effect boundary. */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import type { Sys } from "../ports/sys.ts";
import { renameOnReadOnlyMount } from "./boot-counter.ts";
import { openTpmDevice } from "./tpm-device.ts";
import { ConsoleLog } from "./console-log.ts";
import { Efivarfs } from "./efivarfs.ts";
import { LinuxKexecLoader } from "./kexec-loader.ts";
import { MountTable, sync } from "./mounts.ts";
import { NodeFs } from "./node-fs.ts";

export interface RealSys extends Sys {
  mounts: MountTable;
  log: ConsoleLog;
}

export function createRealSys(opts: { stderr: { write(s: string): unknown }; kmsg?: boolean; debug?: boolean; efivarfs?: string }): RealSys {
  const mounts = new MountTable();
  const log = new ConsoleLog(opts.stderr, { ...(opts.kmsg ? { kmsg: true } : {}), ...(opts.debug ? { debug: true } : {}) });
  return {
    fs: new NodeFs(),
    kexec: new LinuxKexecLoader(),
    efivars: new Efivarfs(opts.efivarfs),
    log,
    mounts,
    renameOnEsp(path, newName) {
      const dir = dirname(path);
      const mountPoint = mounts.list().filter((m) => path.startsWith(`${m}/`)).sort((a, b) => b.length - a.length)[0];
      renameOnReadOnlyMount(mountPoint ? mounts : null, mountPoint ?? "", dir, basename(path), newName);
    },
    kernelConfigText() {
      try {
        return new TextDecoder().decode(Bun.gunzipSync(readFileSync("/proc/config.gz")));
      } catch {
        try {
          return readFileSync(`/boot/config-${readFileSync("/proc/sys/kernel/osrelease", "utf8").trim()}`, "utf8");
        } catch {
          return null;
        }
      }
    },
    lockdownText() {
      try {
        return readFileSync("/sys/kernel/security/lockdown", "utf8");
      } catch {
        return null;
      }
    },
    openTpm() {
      return openTpmDevice();
    },
    bootId() {
      try {
        return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
      } catch {
        return null;
      }
    },
    isEfiBoot() {
      return existsSync("/sys/firmware/efi");
    },
    async prepareForExec() {
      for (const r of mounts.unmountAll()) {
        if (r.error) log.warn(`could not unmount ${r.target}: ${r.error.message}`);
      }
      sync();
    },
  };
}
