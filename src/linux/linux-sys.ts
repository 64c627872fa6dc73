/** The Linux implementation of every port of src/ports/sys.ts; only the composition root (src/main.ts) builds it. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { machine } from "node:os";
import { basename, dirname } from "node:path";
import { parseMountInfo } from "../disk/mountinfo.ts";
import type { Sys } from "../ports/sys.ts";
import type { Terminal } from "../ports/terminal.ts";
import { scanPartitions } from "./block-devices.ts";
import { renameOnReadOnlyMount } from "./esp-rename.ts";
import { writeOnReadOnlyMount } from "./esp-write.ts";
import { ConsoleLog } from "./console-log.ts";
import { LinuxScreen } from "./framebuffer.ts";
import { ConsoleFanout, menuConsoleNames, openConsole } from "./console-devices.ts";
import { formatError } from "../errors.ts";
import { Efivarfs } from "./efivarfs.ts";
import { rebootSystem } from "./kexec.ts";
import { LinuxKexecLoader } from "./kexec-loader.ts";
import { deviceListing, listLoadedModules, loadAllModules } from "./modules.ts";
import { LinuxNetwork } from "./linux-network.ts";
import { openMokTable } from "./mok-table.ts";
import { mount, MountTable, sync } from "./mounts.ts";
import { NodeFs } from "./node-fs.ts";
import { SnapshotTable } from "./snapshots.ts";
import { LINUX_REBOOT_CMD_POWER_OFF, LINUX_REBOOT_CMD_RESTART, MS_NODEV, MS_NOEXEC, MS_NOSUID } from "./syscall-numbers.ts";
import { connectTpmDevice, openTpmDevice } from "./tpm-device.ts";
import { appendMeasureLog, readMeasureLog } from "./measure-log-file.ts";

export interface LinuxSysOptions {
  /** The console ukiboot was started on: the default terminal for the menu, and where log lines go. */
  stdio: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: { write(s: string): unknown }; env: Record<string, string | undefined> };
  /** Also write log lines to the kernel log (/dev/kmsg), as PID 1 does. */
  kmsg?: boolean;
  /** Write log lines to every console the menu is drawn on instead of stderr, as PID 1 does (docs/menu.md §4). */
  logToAllConsoles?: boolean;
  debug?: boolean;
  /** Read and write EFI variables in this directory instead of /sys/firmware/efi/efivars. */
  efivarfs?: string;
}

const EFIVARS_DIR = "/sys/firmware/efi/efivars";

/**
 * How often the watch for new devices looks: a USB keyboard's HID device appears a few hundred milliseconds
 * after its controller's driver loads, and a key pressed before its driver loads is lost anyway.
 */
const DEVICE_WATCH_INTERVAL_MS = 250;

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

export function createLinuxSys(opts: LinuxSysOptions): Sys {
  const table = new MountTable();
  /** The deepest mount ukiboot made that holds `path`: the one to make writable for a write to the ESP. */
  const ownMountOf = (path: string): string | undefined =>
    table
      .list()
      .filter((m) => path.startsWith(`${m}/`))
      .sort((a, b) => b.length - a.length)[0];
  // Modules tried at start are not tried again when the wait for the ESP looks for new devices.
  const attemptedModules = new Set<string>();
  const linePaths = opts.logToAllConsoles ? menuConsoleNames(() => {}).map((n) => `/dev/${n}`) : [];
  const out = opts.logToAllConsoles ? new ConsoleFanout(linePaths, opts.stdio.stderr) : opts.stdio.stderr;
  const log = new ConsoleLog(out, { ...(opts.kmsg ? { kmsg: true } : {}), ...(opts.debug ? { debug: true } : {}) });
  if (linePaths.length > 0) log.debug(`status lines go to ${linePaths.join(" ")}`);
  const snapshots = new SnapshotTable({ debug: (m) => log.debug(m) });
  const resolve = (path: string) => snapshots.resolve(path);
  return {
    fs: new NodeFs(resolve),
    kexec: new LinuxKexecLoader(resolve),
    efivars: new Efivarfs(opts.efivarfs),
    log,
    disks: { scan: () => scanPartitions() },
    mounts: {
      mountReadOnly: (device, target) => table.mountVfatReadOnly(device, target),
      mountEfivarfs() {
        if (!existsSync("/sys/firmware/efi") || !existsSync(EFIVARS_DIR)) return null;
        if ((readText("/proc/self/mounts") ?? "").includes(` ${EFIVARS_DIR} `)) return null;
        mount("efivarfs", EFIVARS_DIR, "efivarfs", MS_NOSUID | MS_NODEV | MS_NOEXEC);
        table.track(EFIVARS_DIR);
        return EFIVARS_DIR;
      },
      renameOnEsp(path, newName) {
        const mountPoint = ownMountOf(path);
        renameOnReadOnlyMount(mountPoint ? table : null, mountPoint ?? "", dirname(path), basename(path), newName);
      },
      writeFileOnEsp(path, bytes) {
        const mountPoint = ownMountOf(path);
        writeOnReadOnlyMount(mountPoint ? table : null, mountPoint ?? "", path, bytes);
      },
      releaseAll() {
        const failed = table.unmountAll().flatMap((r) => (r.error ? [{ target: r.target, error: r.error }] : []));
        sync();
        return failed;
      },
      sync,
      systemMounts: () => parseMountInfo(readText("/proc/self/mountinfo") ?? ""),
    },
    modules: {
      loadAll: () => loadAllModules(undefined, undefined, attemptedModules, { asyncProbe: true }),
      listLoaded: () => listLoadedModules(),
      watchNewDevices(onLoaded) {
        // Drivers are matched again only when the devices changed (and once at the first tick, for one that
        // appeared since the first load): the listing costs little, matching every alias does not.
        let devices = "";
        const timer = setInterval(() => {
          const now = deviceListing();
          if (now === devices) return;
          devices = now;
          const r = loadAllModules(undefined, undefined, attemptedModules, { asyncProbe: true });
          if (r.loaded.length || r.failed.length) onLoaded(r);
        }, DEVICE_WATCH_INTERVAL_MS);
        // The watch never keeps ukiboot running by itself.
        timer.unref();
        return { stop: () => clearInterval(timer) };
      },
    },
    kernel: {
      cmdline: () => readText("/proc/cmdline") ?? "",
      lockdown: () => readText("/sys/kernel/security/lockdown"),
      startedByKexec() {
        if (process.arch !== "x64") {
          // No boot protocol field says it on arm64; the word ukiboot adds to every line it boots does
          // (docs/kexec.md §6, docs/efi-variables.md §8).
          return /(^|\s)systemd\.set_credential=ukiboot\.booted-entry:/.test(readText("/proc/cmdline") ?? "");
        }
        // kexec_file_load sets the boot protocol's type_of_loader (offset 0x210 of the x86 boot_params) to
        // 0xD0, which /sys/kernel/boot_params/data shows (docs/kexec.md §6).
        try {
          return readFileSync("/sys/kernel/boot_params/data")[0x210] === 0xd0;
        } catch {
          return false;
        }
      },
      isEfiBoot: () => existsSync("/sys/firmware/efi"),
      // The binary's own architecture is the machine's: ukiboot is built for the kernel it runs on.
      machine: () => (process.arch === "arm64" ? "aarch64" : process.arch === "x64" ? "x86_64" : machine()),
      bootId: () => readText("/proc/sys/kernel/random/boot_id")?.trim() ?? null,
      esrt() {
        const dir = "/sys/firmware/efi/esrt/entries";
        if (!existsSync(dir)) return null;
        const n = (name: string, file: string) => Number(readText(`${dir}/${name}/${file}`)?.trim() ?? "NaN");
        // entry0, entry1, … in the table's order.
        const names = readdirSync(dir)
          .filter((d) => /^entry\d+$/.test(d))
          .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
        return names.map((d) => ({ fwType: n(d, "fw_type"), lastAttemptStatus: n(d, "last_attempt_status") }));
      },
      bootParams() {
        try {
          return new Uint8Array(readFileSync("/sys/kernel/boot_params/data"));
        } catch {
          return null;
        }
      },
      // A copied tree of variables is another machine's or another boot's: this kernel's table does not go with it.
      mokTable: () => (opts.efivarfs === undefined ? openMokTable() : null),
    },
    power: {
      reboot: () => rebootSystem(LINUX_REBOOT_CMD_RESTART),
      powerOff: () => rebootSystem(LINUX_REBOOT_CMD_POWER_OFF),
    },
    consoles: {
      open(name): Terminal | null {
        const { stdin, stdout, env } = opts.stdio;
        if (name) return openConsole(name, env);
        return stdin.isTTY ? { stdin, stdout, env } : null;
      },
      openAll() {
        const terminals: Terminal[] = [];
        const names: string[] = [];
        for (const name of menuConsoleNames((m) => log.warn(m))) {
          try {
            terminals.push(openConsole(name, opts.stdio.env));
            names.push(name);
          } catch (e) {
            log.warn(`cannot draw the menu on /dev/${name}: ${formatError(e)}`);
          }
        }
        if (terminals.length > 0) {
          log.debug(`the menu is drawn on ${names.map((n) => `/dev/${n}`).join(" ")}`);
          return terminals;
        }
        const started = this.open();
        return started ? [started] : [];
      },
    },
    screen: new LinuxScreen(),
    clock: {
      now: () => performance.now(),
      epochSeconds: () => Date.now() / 1000,
      randomBytes: (count) => crypto.getRandomValues(new Uint8Array(count)),
      sleep: (ms) => Bun.sleep(ms),
    },
    tpm: { open: () => openTpmDevice(), connect: () => connectTpmDevice(), appendLog: (records) => appendMeasureLog(records), readLog: () => readMeasureLog() },
    snapshots: { take: (paths, authenticode) => snapshots.take(paths, authenticode), release: () => snapshots.release() },
    net: new LinuxNetwork(log),
  };
}
