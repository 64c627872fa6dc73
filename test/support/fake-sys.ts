/**
 * A Sys for flow tests: the real read-only filesystem over fixture trees (a mounted ESP is a fixture
 * directory seen under its mount point), a kexec loader that records what it would have loaded (and can be
 * scripted to fail with an errno), disks that appear when the test says, a clock that only moves when the
 * flow sleeps, and a log that keeps its lines. Fakes stand only at the syscall boundary.
 */
import type { MountInfo } from "../../src/disk/mountinfo.ts";
import type { FramebufferFormat } from "../../src/splash/splash-frame.ts";
import type { EsrtEntry } from "../../src/efi/sysfail.ts";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { DownloadError } from "../../src/net/receive-body.ts";
import { basename, dirname, join } from "node:path";
import { BootError, errnoByName, SysCallError } from "../../src/errors.ts";
import { materializeSource, type ByteSource } from "../../src/bytes/byte-source.ts";
import { materializeInitrd } from "../../src/initrd/initrd-layout.ts";
import type { LoadPlan } from "../../src/plan/load-plan.ts";
import type { DirEntry, FileStat, ReadOnlyFs } from "../../src/ports/fs.ts";
import type { Clock, KexecCall, KexecImage, KexecLoader, Log, Partition, Sys } from "../../src/ports/sys.ts";
import type { Terminal } from "../../src/ports/terminal.ts";
import type { TpmTransport } from "../../src/tpm/tpm2-client.ts";
import { AuthenticodeStream, type StreamedDigest } from "../../src/trust/authenticode-stream.ts";
import { Efivarfs } from "../../src/linux/efivarfs.ts";
import { openMokTable } from "../../src/linux/mok-table.ts";
import { NodeFs } from "../../src/linux/node-fs.ts";

const readSync = (path: string, offset: number, size: number) => new Uint8Array(readFileSync(path)).subarray(offset, offset + size);

/** The bytes of a source, reading file ranges from disk. */
export function readSource(s: ByteSource): Uint8Array {
  return materializeSource(s, readSync);
}

/** The bytes the real loader would put into the initrd memfd. */
export function materialiseInitrd(plan: LoadPlan): Uint8Array {
  return materializeInitrd(plan.initrd, readSync);
}

export class FakeKexec implements KexecLoader {
  loaded: LoadPlan[] = [];
  execs = 0;
  /** Entry id → errno name that load() fails with, like the kernel would. */
  failures = new Map<string, string>();
  /** A finer script: the errno name a given load fails with, or undefined to let it load. */
  failWhen: ((plan: LoadPlan) => string | undefined) | undefined;
  unloads = 0;
  /** /sys/kernel/kexec_crash_size as the test sets it: 0 when crashkernel= reserved nothing. */
  reservedForCrash: number | undefined = 2 ** 31;
  /** The loads made with KEXEC_FILE_ON_CRASH, apart from the others. */
  crashLoaded: LoadPlan[] = [];
  written: { kernel?: string; initrd?: string }[] = [];

  /** The call the fake kernel says it used: "kexec_load" as an arm64 kernel without kexec_file_load would. */
  call: KexecCall = "kexec_file_load";

  async load(image: KexecImage, opts: { crash?: boolean } = {}): Promise<KexecCall> {
    // The flow hands the loader a whole load plan; the port needs only its image part.
    const plan = image as LoadPlan;
    const errno = this.failures.get(plan.entryId) ?? this.failWhen?.(plan);
    if (errno) throw new SysCallError("kexec_file_load", "kernel=3, initrd=4", errnoByName(errno) ?? 22, { action: `load "${plan.label}"` });
    (opts.crash ? this.crashLoaded : this.loaded).push(plan);
    return this.call;
  }
  crashSize(): number | undefined {
    return this.reservedForCrash;
  }
  async unload(opts: { crash?: boolean } = {}): Promise<void> {
    this.unloads++;
    if (opts.crash) this.crashLoaded = [];
    else this.loaded = [];
  }
  async exec(): Promise<void> {
    this.execs++;
    this.onExec?.();
    if (this.failExec) throw this.failExec;
  }
  /** reboot(LINUX_REBOOT_CMD_KEXEC) fails with this, as when the kernel refuses to start the loaded image. */
  failExec: Error | undefined;
  /** Called on exec, so a test can see it in order with the other events. */
  onExec: (() => void) | undefined;
  isLoaded(): boolean {
    return this.loaded.length > 0;
  }
  async writeFiles(_image: KexecImage, files: { kernel?: string; initrd?: string }): Promise<void> {
    this.written.push(files);
  }
}

export class MemoryLog implements Log {
  lines: string[] = [];
  closed = false;
  info(m: string): void {
    this.lines.push(`info: ${m}`);
  }
  warn(m: string): void {
    this.lines.push(`warn: ${m}`);
  }
  error(m: string): void {
    this.lines.push(`error: ${m}`);
  }
  debug(m: string): void {
    this.lines.push(`debug: ${m}`);
  }
  close(): void {
    this.closed = true;
  }
  text(): string {
    return this.lines.join("\n");
  }
}

/** Time that moves only when the flow sleeps: a wait of 10 s takes no time in a test. */
export class FakeClock implements Clock {
  ms = 0;
  slept: number[] = [];
  /** The real-time clock at monotonic 0, in seconds since the epoch. */
  epoch = 1_796_000_000;
  /** What randomBytes() hands out next, byte after byte (then 0x5a). */
  random: number[] = [];
  now(): number {
    return this.ms;
  }
  epochSeconds(): number {
    return this.epoch + this.ms / 1000;
  }
  randomBytes(count: number): Uint8Array {
    return Uint8Array.from({ length: count }, () => this.random.shift() ?? 0x5a);
  }
  async sleep(ms: number): Promise<void> {
    this.slept.push(ms);
    this.ms += ms;
  }
}

/** A read-only filesystem in which each mount point shows a fixture directory, as the real mounts would. */
class MountedFs implements ReadOnlyFs {
  private readonly inner = new NodeFs();
  constructor(private readonly mounts: Map<string, string>) {}
  real(path: string): string {
    for (const [target, dir] of this.mounts) if (path === target || path.startsWith(`${target}/`)) return dir + path.slice(target.length);
    return path;
  }
  readFile(path: string): Promise<Uint8Array> {
    return this.inner.readFile(this.real(path));
  }
  readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    return this.inner.readRange(this.real(path), offset, length);
  }
  readDir(path: string): Promise<DirEntry[]> {
    return this.inner.readDir(this.real(path));
  }
  stat(path: string): Promise<FileStat | null> {
    return this.inner.stat(this.real(path));
  }
}

export interface FakeSysOptions {
  efivarfs?: string;
  lockdown?: string;
  tpm?: TpmTransport;
  efi?: boolean;
  /** The boot kernel's command line (/proc/cmdline). */
  cmdline?: string;
  startedByKexec?: boolean;
  /** The ESRT the kernel shows (SysFail); none by default. */
  esrt?: EsrtEntry[];
  /** The disks' partitions, asked for on every scan: a function of the fake time lets a disk appear late. */
  partitions?: Partition[] | ((nowMs: number) => Partition[]);
  /** What each call of modules.loadAll() reports loaded, as a function of the fake time (none by default). */
  modulesLoaded?: (nowMs: number) => string[];
  /** What modules.listLoaded() returns (/proc/modules; null when unreadable, or throw); by default what loadAll() loaded so far. */
  procModules?: () => string[] | null;
  /** Device node → the fixture directory that mounting it shows. */
  devices?: Record<string, string>;
  /** The console: a terminal, or none (not a TTY). `ukiboot.console=NAME` opens `consoles[NAME]`. */
  console?: Terminal | null;
  consoles?: Record<string, Terminal>;
  /** The screen's framebuffer; none (a serial-only machine) by default. */
  framebuffer?: FramebufferFormat;
  /** What consoles.openAll() returns: every console the menu is drawn on; by default `console` alone. */
  allConsoles?: Terminal[];
  /** Every rename on the ESP fails with this errno (EROFS: a read-only ESP, ENOSPC: a full one). */
  renameFails?: string;
  /**
   * What the fake network serves: URL → a file whose bytes are the body, or a DownloadError to throw (the
   * Linux layer's real downloads are tested in test/integration/linux/http-download.test.ts).
   */
  served?: Record<string, string | DownloadError>;
  /** uname -m of the fake machine: "x86_64" unless a test says "aarch64". */
  machine?: string;
  /** Bringing the network up fails with this error. */
  networkFails?: Error;
  /** Runs when the flow seals files, standing for a writer on the ESP at that moment. */
  onSnapshot?: (paths: readonly string[]) => void;
  /** Runs when the flow drops its sealed copies: a file changed now must not change what was already read. */
  onSnapshotRelease?: () => void;
  /** The raw struct boot_params (/sys/kernel/boot_params/data); none by default, as on arm64. */
  bootParams?: Uint8Array;
  /** A directory laid out like /sys/firmware/efi/mok-variables (shim's MOK configuration table); none by default. */
  mokTable?: string;
  /** What /proc/self/mountinfo lists on a running system; nothing by default. */
  systemMounts?: MountInfo[];
}

export type FakeSys = Sys & {
  kexec: FakeKexec;
  log: MemoryLog;
  efivars: Efivarfs;
  clock: FakeClock;
  /** Mount point → device, of what is mounted now. */
  mounted: Map<string, string>;
  /** Every call that changes the machine, in order: mount, rename, release, reboot, power-off. */
  events: string[];
  /** What was appended to the measurement log kept in /run (tpm.appendLog), call by call. */
  measureLog: string[];
  /** Every frame screen.showFrame() was given. */
  frames: Uint8Array[];
  /** modules.watchNewDevices(): how often it was started and stopped, and its callback while it runs. */
  deviceWatch: DeviceWatch;
};

export interface DeviceWatch {
  started: number;
  stopped: number;
  onLoaded: ((report: { loaded: string[]; failed: { error: unknown }[] }) => void) | undefined;
}

/**
 * A Sys over real files with a recording kexec. EFI variables come from `efivarfs`, a directory laid out
 * like efivarfs (a fake tree a test fills), or are unavailable as on a LinuxBoot payload.
 */
export function fakeSys(opts: FakeSysOptions = {}): FakeSys {
  const clock = new FakeClock();
  const views = new Map<string, string>();
  const mounted = new Map<string, string>();
  const events: string[] = [];
  const measureLog: string[] = [];
  const deviceWatch: DeviceWatch = { started: 0, stopped: 0, onLoaded: undefined };
  const frames: Uint8Array[] = [];
  const fs = new MountedFs(views);
  const partitions = opts.partitions ?? [];
  const kexec = new FakeKexec();
  kexec.onExec = () => events.push("exec");
  let networkUp = false;
  /** The paths sealed since the last release, as SnapshotTable keeps them. */
  const sealed = new Set<string>();
  // The modules the fake kernel holds, as its /proc/modules would list them.
  const inKernel: string[] = [];
  return {
    fs,
    kexec,
    efivars: new Efivarfs(opts.efivarfs ?? "/nonexistent/efivars"),
    log: new MemoryLog(),
    clock,
    mounted,
    events,
    measureLog,
    deviceWatch,
    frames,
    disks: { scan: () => ({ partitions: typeof partitions === "function" ? partitions(clock.ms) : partitions, skipped: [] }) },
    mounts: {
      mountReadOnly(device, target) {
        const dir = opts.devices?.[device];
        if (!dir)
          throw new SysCallError("mount", `"${device}", "${target}", "vfat"`, errnoByName("ENOENT") ?? 2, { action: `mount "${device}" on "${target}"` });
        views.set(target, dir);
        mounted.set(target, device);
        events.push(`mount ${device} ${target}`);
      },
      mountEfivarfs: () => null,
      renameOnEsp(path, newName) {
        if (opts.renameFails) {
          throw new SysCallError("renameat2", `"${path}", "${newName}", RENAME_NOREPLACE`, errnoByName(opts.renameFails) ?? 5, {
            action: `rename the boot-counted entry "${basename(path)}" to "${newName}"`,
          });
        }
        const real = fs.real(path);
        const to = join(dirname(real), newName);
        if (existsSync(to)) throw new Error(`Cannot rename "${path}": "${newName}" exists`);
        renameSync(real, to);
        events.push(`rename ${path} ${newName}`);
      },
      writeFileOnEsp(path, bytes) {
        const real = fs.real(path);
        mkdirSync(dirname(real), { recursive: true });
        writeFileSync(real, bytes);
        events.push(`write ${path}`);
      },
      releaseAll() {
        events.push(`release ${[...mounted.keys()].join(" ")}`.trimEnd());
        mounted.clear();
        return [];
      },
      sync: () => events.push("sync"),
      systemMounts: () => opts.systemMounts ?? [],
    },
    modules: {
      loadAll: () => {
        const loaded = opts.modulesLoaded?.(clock.ms) ?? [];
        if (loaded.length) events.push(`load modules ${loaded.join(" ")}`);
        inKernel.push(...loaded);
        return { loaded, failed: [] };
      },
      listLoaded: () => (opts.procModules ? opts.procModules() : [...inKernel]),
      watchNewDevices(onLoaded) {
        deviceWatch.started++;
        deviceWatch.onLoaded = onLoaded;
        return {
          stop: () => {
            deviceWatch.stopped++;
            deviceWatch.onLoaded = undefined;
          },
        };
      },
    },
    kernel: {
      cmdline: () => opts.cmdline ?? "",
      lockdown: () => opts.lockdown ?? null,
      startedByKexec: () => opts.startedByKexec ?? false,
      isEfiBoot: () => opts.efi ?? false,
      bootId: () => "0123456789abcdef0123456789abcdef",
      esrt: () => opts.esrt ?? null,
      machine: () => opts.machine ?? "x86_64",
      bootParams: () => opts.bootParams ?? null,
      mokTable: () => (opts.mokTable === undefined ? null : openMokTable(opts.mokTable)),
    },
    power: {
      reboot: () => void events.push("reboot"),
      powerOff: () => void events.push("power-off"),
    },
    consoles: {
      open(name) {
        if (name === undefined) return opts.console ?? null;
        const t = opts.consoles?.[name];
        if (!t) throw new Error(`Cannot open "/dev/${name}": no such device`);
        return t;
      },
      openAll: () => opts.allConsoles ?? (opts.console ? [opts.console] : []),
    },
    screen: {
      framebuffer: () => opts.framebuffer ?? null,
      showFrame(frame) {
        frames.push(frame);
        events.push("show splash");
      },
      restoreText: () => void events.push("restore text"),
    },
    tpm: {
      open: () => opts.tpm ?? null,
      connect: () => (opts.tpm ? { transport: opts.tpm, close: () => void events.push("tpm close") } : null),
      appendLog: (records) => void measureLog.push(records),
      readLog: () => measureLog.join(""),
    },
    // The flow's part is asked here: which files it seals before verifying (the sealing itself is the
    // Linux layer's, tested in test/unit/linux/snapshots.test.ts).
    snapshots: {
      // As the Linux layer's table does, a path already sealed is not sealed again.
      take: async (paths, authenticode) => {
        const digests = new Map<string, StreamedDigest>();
        const fresh = paths.filter((p) => !sealed.has(p));
        if (fresh.length === 0) return digests;
        for (const p of fresh) sealed.add(p);
        opts.onSnapshot?.(fresh.map((p) => fs.real(p)));
        // As the Linux layer does, the digest is of what the copy holds: here the file as it is once sealed.
        for (const p of fresh) {
          const algorithms = authenticode?.(p);
          if (!algorithms || (await fs.stat(p))?.kind !== "file") continue;
          const bytes = await fs.readFile(p);
          const stream = new AuthenticodeStream(bytes.byteLength, algorithms, { source: p });
          stream.update(bytes);
          const digest = stream.result();
          if (digest) digests.set(p, digest);
        }
        events.push(`snapshot ${fresh.join(" ")}`);
        return digests;
      },
      release: () => {
        sealed.clear();
        opts.onSnapshotRelease?.();
        events.push("release snapshots");
      },
    },
    net: {
      async up(setup) {
        events.push(`network up ${typeof setup === "string" ? setup : setup.mode}`);
        if (opts.networkFails) throw opts.networkFails;
        if (setup === "system" || networkUp) return "";
        if (setup.mode === "off") throw new BootError("Cannot use the network: it is switched off (ip=off or ukiboot.net=off)", "Remove ip=off");
        networkUp = true;
        return "eth0 10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3 (DHCP)";
      },
      async download(url, _limits, onProgress) {
        events.push(`download ${url}`);
        const body = opts.served?.[url];
        if (body === undefined) throw new DownloadError(url, "http-status", "the server answered 404 Not Found", "Check the URL and what the server serves");
        if (body instanceof DownloadError) throw body;
        const bytes = statSync(body).size;
        onProgress?.({ received: bytes, total: bytes, bytesPerSecond: bytes });
        return { path: body, bytes, finalUrl: url, close: () => void events.push(`close ${url}`) };
      },
    },
  };
}
