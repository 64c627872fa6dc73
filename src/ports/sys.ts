/**
 * The effect boundary: everything a boot does to the machine goes through these interfaces, so the flow
 * that decides (src/flow/) runs the same over the Linux implementation (src/linux/, wired in only by the
 * composition root, src/main.ts) and over the fakes of the tests.
 */
import type { EfiVariable } from "../efi/efivar-codec.ts";
import type { VariableId } from "../efi/loader-vars.ts";
import type { GptPartition } from "../disk/gpt.ts";
import type { MountInfo } from "../disk/mountinfo.ts";
import type { ByteSource } from "../bytes/byte-source.ts";
import type { DigestAlgorithm } from "../bytes/digest.ts";
import type { StreamedDigest } from "../trust/authenticode-stream.ts";
import type { InitrdLayout } from "../initrd/initrd-layout.ts";
import type { TpmTransport } from "../tpm/tpm2-client.ts";
import type { ReadOnlyFs } from "./fs.ts";
import type { Terminal } from "./terminal.ts";
import type { FramebufferFormat } from "../splash/splash-frame.ts";
import type { EsrtEntry } from "../efi/sysfail.ts";
import type { IpSetup } from "../net/ip-option.ts";
import type { DownloadLimits, DownloadProgress } from "../net/receive-body.ts";

export interface Progress {
  phase: "download" | "kernel" | "initrd";
  done: number;
  total: number;
}

/** What kexec_file_load receives: a load plan satisfies it. */
export interface KexecImage {
  /** The file the kernel comes from, for messages. */
  label: string;
  kernel: ByteSource;
  /** `kernel` is compressed this way (an arm64 gzip Image, a zboot payload): the loader undoes it first (docs/kexec.md §10). */
  kernelEncoding?: "gzip" | "zstd";
  initrd: InitrdLayout;
  cmdline: string;
}

/**
 * The call that loaded an image: kexec_file_load, or on an arm64 kernel without it kexec_load, where ukiboot
 * places the segments and writes the next kernel's device tree itself (docs/kexec.md §11).
 */
export type KexecCall = "kexec_file_load" | "kexec_load";

export interface KexecLoader {
  /** Copies the image's bytes into memory files and loads them. @throws SysCallError */
  load(image: KexecImage, opts?: { crash?: boolean; onProgress?: (p: Progress) => void }): Promise<KexecCall>;
  unload(opts?: { crash?: boolean }): Promise<void>;
  /** reboot(LINUX_REBOOT_CMD_KEXEC). Returns only when it fails (it throws then). */
  exec(): Promise<void>;
  /** /sys/kernel/kexec_crash_size: the bytes crashkernel= reserved; undefined when the kernel does not say. */
  crashSize(): number | undefined;
  /** /sys/kernel/kexec_loaded (or kexec_crash_loaded); undefined when the kernel does not say. */
  isLoaded(opts?: { crash?: boolean }): boolean | undefined;
  /** Writes the exact kernel and merged initrd bytes to files (`ukiboot plan --write-*`). */
  writeFiles(image: KexecImage, files: { kernel?: string; initrd?: string }): Promise<void>;
}

/** Console and kernel-log output, each line prefixed with "ukiboot: " in the kernel log. */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  /** Flushes and closes the kernel log; later lines go to the console only. */
  close(): void;
}

/** EFI variables (efivarfs, or a copied tree given with --efivarfs DIR). */
export interface EfiVars {
  /** false when there is no efivarfs (a LinuxBoot payload without UEFI runtime services). */
  readonly available: boolean;
  /** Where the variables are read from, for messages. */
  readonly location: string;
  read(v: VariableId): EfiVariable | null;
  /** The names of the variables of vendor `guid` (Boot0000, BootOrder, …); none without efivarfs. */
  names(guid: string): string[];
  /** Creates or replaces a variable with one write of attributes + data. @throws SysCallError-like errors */
  write(v: VariableId, value: EfiVariable): void;
  /** Deletes a variable; a missing one is not an error. */
  remove(v: VariableId): void;
}

/** A GPT partition of a disk the kernel knows, with its device node. */
export interface Partition extends GptPartition {
  /** The device node, e.g. "/dev/nvme0n1p1". */
  device: string;
  /** The whole disk's kernel name, e.g. "nvme0n1". */
  disk: string;
  /** FAT volume label, for ESP and XBOOTLDR partitions (ukiboot.esp=LABEL=…). */
  label?: string;
}

export interface Disks {
  /** Every GPT partition on every disk; disks without a GPT or unreadable disks are in `skipped`. */
  scan(): { partitions: Partition[]; skipped: { disk: string; reason: string }[] };
}

export interface Mounts {
  /** Mounts a FAT partition read-only, nosuid, nodev, noexec: the ESP is never written except for counter renames. */
  mountReadOnly(device: string, target: string): void;
  /** Mounts efivarfs where the kernel offers it and it is not mounted yet; null when there is nothing to mount. @throws SysCallError */
  mountEfivarfs(): string | null;
  /**
   * Renames a file in its directory without replacing anything (RENAME_NOREPLACE) and flushes it: the one
   * write ukiboot makes to the ESP, for boot counting. A read-only mount of ukiboot's is made writable for it.
   */
  renameOnEsp(path: string, newName: string): void;
  /**
   * Writes a whole file on the ESP, replacing it at once (written aside, flushed, renamed over): only what a
   * person asked for at the menu, the sealed TOTP secret. A read-only mount of ukiboot's is made writable for it.
   * @throws Error naming the file and what to check
   */
  writeFileOnEsp(path: string, bytes: Uint8Array): void;
  /** Unmounts what ukiboot mounted, newest first, and syncs; returns what could not be unmounted. */
  releaseAll(): { target: string; error: Error }[];
  /** sync(2). */
  sync(): void;
  /** The running system's mounts (/proc/self/mountinfo), to find the ESP on a booted system. */
  systemMounts(): MountInfo[];
}

export interface KernelModules {
  /**
   * Loads the modules shipped under /lib/modules/$(uname -r) that the present devices need (by modalias),
   * dependencies first; called again, only those for devices that appeared since (docs/boot-time.md §4).
   */
  loadAll(): { loaded: string[]; failed: { error: unknown }[] };
  /**
   * The modules the running kernel lists in /proc/modules, by name: what is loaded, whoever loaded it.
   * null when the file cannot be read (a kernel built without module support has none).
   * @throws FormatError when it is not in the kernel's format
   */
  listLoaded(): string[] | null;
  /**
   * Keeps loading, in the background, what devices that appear later need, until stopped: a USB keyboard is
   * there only once its host controller's driver has found it, and its HID device once usbhid has, which is
   * after the ESP was found (docs/menu.md §4). Each load that loaded something is reported to `onLoaded`.
   */
  watchNewDevices(onLoaded: (report: { loaded: string[]; failed: { error: unknown }[] }) => void): { stop(): void };
}

/** Facts about the running kernel. */
export interface KernelFacts {
  /** /proc/cmdline, "" when unreadable. */
  cmdline(): string;
  /** /sys/kernel/security/lockdown, or null when the kernel has no lockdown LSM. */
  lockdown(): string | null;
  /** Whether kexec started this kernel (docs/kexec.md §6). */
  startedByKexec(): boolean;
  /** Whether the firmware booted this kernel with UEFI (/sys/firmware/efi exists). */
  isEfiBoot(): boolean;
  /** This boot's id (/proc/sys/kernel/random/boot_id), for the measurement log; null when unknown. */
  bootId(): string | null;
  /** The EFI System Resource Table (/sys/firmware/efi/esrt/entries), in entry order; null when the kernel shows none. */
  esrt(): EsrtEntry[] | null;
  /** The machine, as uname -m says it ("x86_64", "aarch64"): which kernel formats kexec_file_load takes. */
  machine(): string;
  /**
   * The raw struct boot_params the kernel was started with (/sys/kernel/boot_params/data, x86 only), where its
   * EFI stub left what it found about Secure Boot; null when the kernel shows none.
   */
  bootParams(): Uint8Array | null;
  /**
   * The MOK configuration table shim hands the kernel (/sys/firmware/efi/mok-variables/): only code running
   * before the firmware's boot services end can install one, so no root user of a booted system can forge
   * it. null when the kernel shows none, or when EFI variables come from a copied tree (--efivarfs DIR).
   */
  mokTable(): MokTable | null;
}

/** The kernel's view of the MOK configuration table: one file per entry, holding the raw data with no attribute word. */
export interface MokTable {
  /** The directory, for messages. */
  readonly location: string;
  /** An entry's data ("MokListRT", "MokListXRT", "SbatLevelRT"); null when the table has none. @throws Error when it cannot be read */
  read(name: string): Uint8Array | null;
}

export interface Power {
  /** reboot(LINUX_REBOOT_CMD_RESTART). Returns only when it fails (it throws then). */
  reboot(): void;
  /** reboot(LINUX_REBOOT_CMD_POWER_OFF). Returns only when it fails (it throws then). */
  powerOff(): void;
}

/** The screen a splash is drawn on (docs/splash.md §3). */
export interface Screen {
  /** The framebuffer's format; null when the machine has none (serial only). @throws Error when /dev/fb0 cannot be read */
  framebuffer(): FramebufferFormat | null;
  /**
   * Stops the VT drawing text over the framebuffer (graphics mode) and writes a whole frame, `lineLength ×
   * height` bytes, onto the visible screen. @throws SysCallError
   */
  showFrame(frame: Uint8Array): void;
  /** The VT draws text again: the kernel that was to start did not. */
  restoreText(): void;
}

export interface Consoles {
  /**
   * The terminal that gets the menu: /dev/NAME when a name is given, else the console ukiboot was started
   * on when it is a terminal. null when there is none that can take input.
   * @throws Error when /dev/NAME cannot be opened
   */
  open(name?: string): Terminal | null;
  /**
   * Every console the menu is drawn on (docs/menu.md §4): those the kernel writes its messages to, and the
   * VT a framebuffer console shows; /dev/console's first. The console ukiboot was started on, when that is
   * all there is; none when it is not a terminal either.
   */
  openAll(): Terminal[];
}

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Seconds since the epoch, as the real-time clock gives them (the firmware's RTC at boot): a TOTP code's time. */
  epochSeconds(): number;
  /** Bytes from the kernel's random number generator. */
  randomBytes(count: number): Uint8Array;
  sleep(ms: number): Promise<void>;
}

/**
 * Sealed copies of files (docs/trust.md §4): after `take`, every read of those paths through `fs` and the
 * kexec loader reads the copy made then, so what was verified is what loads.
 */
export interface Snapshots {
  /**
   * Seals a copy of each path not sealed yet. For each path `authenticode` gives algorithms for, the image's
   * Authenticode digest is taken from the very bytes written into its copy, in the same pass, and returned by
   * path when its layout allows one pass (src/trust/authenticode-stream.ts); the verifier reads the ranges of
   * the copy itself for any other (docs/trust.md §4).
   */
  take(paths: readonly string[], authenticode?: (path: string) => readonly DigestAlgorithm[] | undefined): Promise<ReadonlyMap<string, StreamedDigest>>;
  /** Drops the copies, once the kernel holds its own. */
  release(): void;
}

export interface Tpm {
  /** A transport to the TPM 2.0 resource manager (/dev/tpmrm0), or null when there is none. */
  open(): TpmTransport | null;
  /**
   * One connection for commands whose handles must outlive a command (sealing, unsealing): the resource
   * manager flushes them when the connection closes. null when there is no TPM.
   */
  connect(): { transport: TpmTransport; close(): void } | null;
  /**
   * Appends records to the measurement log this boot keeps in /run (systemd's path and JSON-SEQ form), where
   * the rescue shell and the shim find what was extended (docs/measurements.md §6). @throws Error when it cannot be written
   */
  appendLog(records: string): void;
  /** The measurement log this boot keeps in /run, as written so far; "" when there is none yet. */
  readLog(): string;
}

/** A downloaded file in a sealed memory file: read at `path` (/proc/self/fd/N) until `close`, and never changed. */
export interface FetchedFile {
  path: string;
  bytes: number;
  /** The URL after redirects. */
  finalUrl: string;
  close(): void;
}

/** What a download may take (docs/network.md §3). */
export interface FetchLimits extends DownloadLimits {
  maxRedirects: number;
  /** The longest wait for the response headers. */
  answerMs: number;
}

/** The network of a network boot (docs/network.md §4), touched only when an entry or option needs it. */
export interface Network {
  /**
   * Makes the network usable as `setup` says: loads the network drivers the image ships, configures an
   * interface (DHCP through busybox udhcpc, or static), and returns one line saying what was configured.
   * "system": the network of a running system, used as it is. @throws BootError when nothing could be configured
   */
  up(setup: IpSetup | "system"): Promise<string>;
  /** One HTTP(S) download into a sealed memory file; pinned CAs from the image when it has some. @throws DownloadError */
  download(url: string, limits: FetchLimits, onProgress?: (p: DownloadProgress) => void): Promise<FetchedFile>;
}

export interface Sys {
  fs: ReadOnlyFs;
  kexec: KexecLoader;
  efivars: EfiVars;
  log: Log;
  disks: Disks;
  mounts: Mounts;
  modules: KernelModules;
  kernel: KernelFacts;
  power: Power;
  consoles: Consoles;
  screen: Screen;
  clock: Clock;
  tpm: Tpm;
  snapshots: Snapshots;
  net: Network;
}
