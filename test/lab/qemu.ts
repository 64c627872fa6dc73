/**
 * QEMU runner for demos and end-to-end tests. TCG by default (KVM on these machines fails in the kernel
 * decompressor); every wait has a deadline; the serial console is captured and its tail is shown on failure;
 * guest faults that are TCG's fault, not ukiboot's, are recognised so a test can retry once and say so.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { LAB_CACHE } from "./build-once.ts";

export interface VmDisk {
  path: string;
  iface: "nvme" | "virtio" | "ahci";
  /** Attach later through the monitor (device_add), for late-device tests. */
  deferred?: boolean;
  id?: string;
}

export interface VmOptions {
  /** The machine: x86_64 (q35, OVMF), or arm64 (virt, AAVMF) for the arm64 scenarios. */
  arch?: "x64" | "arm64";
  /** LinuxBoot style: a kernel and initrd given to QEMU directly. */
  kernel?: string;
  initrd?: string;
  append?: string;
  /**
   * UEFI firmware boot (OVMF, or AAVMF on arm64) from the disks; "ovmf-secure-boot": with Secure Boot on and
   * the snakeoil certificate in PK, KEK and db (test/lab/secure-boot.ts), which needs SMM.
   */
  firmware?: "ovmf" | "ovmf-secure-boot";
  /** A copy of OVMF_VARS to use (to carry EFI variables between boots); a fresh one when absent. */
  varsFile?: string;
  disks?: VmDisk[];
  memoryMiB?: number;
  /** Software TPM: the directory of a running swtpm's control socket. */
  tpmSocket?: string;
  /** Opt-in KVM (UKIBOOT_QEMU_KVM=1); falls back to TCG when it fails. */
  kvm?: boolean;
  /** Pass the serial console to this terminal instead of capturing it (demo). */
  interactive?: boolean;
  extraArgs?: string[];
}

function diskDevice(d: VmDisk, id: string, i: number, bus?: string): string {
  const on = bus ? `,bus=${bus}` : "";
  if (d.iface === "nvme") return `nvme,drive=${id},serial=ukiboot${i}${on}`;
  if (d.iface === "virtio") return `virtio-blk-pci,drive=${id}${on}`;
  // q35 has an ICH9 AHCI controller on board, with buses ide.0 … ide.5.
  return `ide-hd,drive=${id},bus=ide.${i}`;
}

export const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd";
export const OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd";
/** Secure Boot: Debian's secboot code with the snakeoil variables (test/lab/secure-boot.ts). */
const SECBOOT_CODE = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd";
const SECBOOT_VARS = "/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd";

/**
 * Console lines that mean the emulator, not the software under test, failed (docs/kexec.md §9). They count
 * only in the fault window (faultWindow): a panic of the target kernel, or anything after ukiboot started, is
 * what a wrong initrd or command line from ukiboot causes, so it is the scenario's failure, never a fault.
 */
const CONSOLE_FAULTS = [
  /double fault/i,
  /general protection fault/i,
  /KVM internal error/i,
  /emulation failure/i,
  // A panic because the initramfs has no working init is the image's own fault, whichever kernel shows it.
  /Kernel panic - not syncing: (?!Attempted to kill init|No working init found|VFS: Unable to mount root)/,
];

/** QEMU's own messages (its standard error) that mean the emulator broke, wherever in the boot they come. */
const QEMU_FAULTS = [
  /qemu-system-\S+: .*(?:Assertion|assertion|Aborted|core dumped|fatal).*/,
  /^qemu: fatal: .*/m,
  /^qemu: uncaught target signal.*/m,
  /TCG temporary leak.*/,
];

/** The first line of ukiboot, from its shim or itself, on the console (possibly behind a kernel timestamp). */
const UKIBOOT_STARTED = /^(?:\[[^\]]*\]\s*)?ukiboot: /m;
/**
 * The shim's lines when no kernel will be started without someone at the console: it opens the rescue shell,
 * or powers off under enforce (initrd-hooks/common/init-shim.sh).
 */
export const GAVE_UP = /^(?:\[[^\]]*\]\s*)?ukiboot: (?:starting a rescue shell|powering off)/;
/** The banner each kernel prints first: a second one means kexec (or a crash kernel) started the next kernel. */
const KERNEL_BANNER = /Linux version \d/g;

/**
 * The part of a console in which an emulator fault may be recognised: the first kernel's boot, up to ukiboot's
 * first line or the next kernel's banner, whichever comes first. A boot that never reaches ukiboot (a
 * reference boot through systemd-boot) is the first kernel's up to the next banner.
 */
export function faultWindow(console: string): string {
  let end = console.length;
  const started = console.match(UKIBOOT_STARTED);
  if (started?.index !== undefined) end = Math.min(end, started.index);
  const banners = [...console.matchAll(KERNEL_BANNER)];
  if (banners.length > 1) end = Math.min(end, console.lastIndexOf("\n", banners[1]!.index!) + 1);
  return console.slice(0, end);
}

export class Vm {
  /** The serial console and QEMU's own messages, in arrival order. */
  output = "";
  /** QEMU's own messages (its standard error) alone. */
  qemuMessages = "";
  private waiters: { find: (output: string) => RegExpMatchArray | null; resolve: (m: RegExpMatchArray) => void }[] = [];
  readonly exited: Promise<number>;
  readonly monitorPath: string;
  /** How long a wait goes on after GAVE_UP: long enough for a scenario's own pattern printed just after it. */
  gaveUpGraceMs = 15_000;
  /**
   * How long the firmware may stay silent after its banner before the wait ends (firmwareStalled): AAVMF under
   * TCG goes on to print or start something within seconds when it works, and when it stalls it never does.
   */
  firmwareStallMs = 90_000;
  /** When the console last grew. */
  private lastOutputAt = Date.now();

  constructor(
    readonly proc: Subprocess<"pipe" | "inherit", "pipe" | "inherit", "pipe" | "inherit">,
    readonly dir: string,
    readonly args: string[],
  ) {
    this.monitorPath = join(dir, "monitor.sock");
    this.exited = proc.exited;
    if (proc.stdout && typeof proc.stdout !== "number") void this.pump(proc.stdout as ReadableStream<Uint8Array>, false);
    if (proc.stderr && typeof proc.stderr !== "number") void this.pump(proc.stderr as ReadableStream<Uint8Array>, true);
  }

  private async pump(stream: ReadableStream<Uint8Array>, qemu: boolean): Promise<void> {
    const dec = new TextDecoder();
    for await (const chunk of stream) {
      const text = dec.decode(chunk, { stream: true });
      this.output += text;
      this.lastOutputAt = Date.now();
      if (qemu) this.qemuMessages += text;
      for (const w of [...this.waiters]) {
        const m = w.find(this.output);
        if (m) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    }
  }

  /**
   * Waits for `re` on the console; rejects with the console tail at the deadline, when QEMU exits first, or
   * gaveUpGraceMs after the shim gave up on booting (its rescue shell or power-off, GAVE_UP) during the
   * wait, since nothing that follows comes by itself: a failed boot then fails in seconds, not at the deadline.
   */
  async expect(re: RegExp, timeoutMs: number, from = 0): Promise<RegExpMatchArray> {
    // `from`: only what the console printed from that offset on counts (a line drawn again after a key).
    const now = this.output.slice(from).match(re);
    if (now) return now;
    const since = this.output.length;
    const gaveUp = new RegExp(GAVE_UP.source, "m");
    let timer: Timer | undefined;
    let graceTimer: Timer | undefined;
    let stallTimer: Timer | undefined;
    let rejectGaveUp: (e: Error) => void = () => {};
    const found = { find: (output: string) => output.slice(from).match(re), resolve: (_m: RegExpMatchArray) => {} };
    const stopped = {
      find: (output: string) => output.slice(since).match(gaveUp),
      resolve: (m: RegExpMatchArray) => {
        graceTimer = setTimeout(
          () => rejectGaveUp(new VmTimeout(re, timeoutMs, this, `No ${re} on the serial console: the shim gave up on booting ("${m[0].trim()}")`)),
          this.gaveUpGraceMs,
        );
      },
    };
    try {
      return await Promise.race([
        new Promise<RegExpMatchArray>((resolve) => {
          found.resolve = resolve;
          this.waiters.push(found, stopped);
        }),
        new Promise<never>((_, reject) => {
          rejectGaveUp = reject;
          timer = setTimeout(() => reject(new VmTimeout(re, timeoutMs, this)), timeoutMs);
          // A firmware that stalled after its banner ends the wait early; infrastructureFault then knows it.
          stallTimer = setInterval(
            () => {
              if (Date.now() - this.lastOutputAt >= this.firmwareStallMs && firmwareStalled(this.output)) {
                reject(
                  new VmTimeout(
                    re,
                    timeoutMs,
                    this,
                    `No ${re} on the serial console: the firmware printed its banner and nothing more for ${this.firmwareStallMs / 1000} s`,
                  ),
                );
              }
            },
            Math.min(5000, this.firmwareStallMs),
          );
        }),
        this.exited.then(async () => {
          await Bun.sleep(50);
          const m = this.output.slice(from).match(re);
          if (m) return m;
          throw new VmTimeout(re, 0, this, "QEMU exited");
        }),
      ]);
    } finally {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      clearInterval(stallTimer);
      this.waiters = this.waiters.filter((w) => w !== found && w !== stopped);
    }
  }

  /** Writes to the serial console (the guest's keyboard). */
  type(text: string): void {
    const stdin = this.proc.stdin as unknown as { write(s: string): void; flush?(): void } | undefined;
    stdin?.write(text);
    stdin?.flush?.();
  }

  tail(lines = 40): string {
    return this.output.replace(/\r/g, "").split("\n").slice(-lines).join("\n");
  }

  /** The emulator fault seen in the first kernel's part of the console (faultWindow), if any. */
  infraFault(): string | null {
    const window = faultWindow(this.output);
    for (const re of CONSOLE_FAULTS) {
      const m = window.match(re);
      if (m) return m[0];
    }
    return null;
  }

  /** Sends a command to the QEMU human monitor (device_add, system_powerdown, …). */
  async monitor(command: string): Promise<string> {
    let reply = "";
    const sock = await Bun.connect({
      unix: this.monitorPath,
      socket: {
        data(_s, d) {
          reply += new TextDecoder().decode(d);
        },
      },
    });
    await Bun.sleep(200);
    sock.write(`${command}\n`);
    await Bun.sleep(500);
    sock.end();
    return reply;
  }

  /**
   * A monitor command answered as soon as the monitor has carried it out (its next prompt), for commands
   * whose moment matters: a screendump just before the jump, keys in the order they are sent.
   */
  async monitorNow(command: string, timeoutMs = 30_000): Promise<string> {
    let reply = "";
    let wake = () => {};
    const sock = await Bun.connect({
      unix: this.monitorPath,
      socket: {
        data(_s, d) {
          reply += new TextDecoder().decode(d);
          wake();
        },
      },
    });
    const prompts = () => reply.split("(qemu) ").length - 1;
    const until = async (n: number) => {
      const deadline = Date.now() + timeoutMs;
      while (prompts() < n) {
        if (Date.now() > deadline) throw new Error(`The QEMU monitor did not answer "${command}" within ${timeoutMs} ms; it said: ${JSON.stringify(reply)}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
    };
    try {
      await until(1);
      sock.write(`${command}\n`);
      await until(2);
    } finally {
      sock.end();
    }
    return reply.slice(reply.indexOf("(qemu) ") + 7).replace(/\(qemu\) $/, "");
  }

  /** Hot-plugs the `index`-th disk, which was declared `deferred`, into its PCIe root port. */
  async attachDeferredDisk(index: number, disk: VmDisk): Promise<string> {
    const id = disk.id ?? `disk${index}`;
    return this.monitor(`device_add ${diskDevice(disk, id, index, `hp${index}`)}`);
  }

  /** Set once the lab itself killed QEMU, so its signal is not taken for a crash. */
  killed = false;

  async kill(): Promise<void> {
    this.killed = true;
    this.proc.kill("SIGKILL");
    await this.exited.catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class VmTimeout extends Error {
  override name = "VmTimeout";
  constructor(
    readonly pattern: RegExp,
    readonly timeoutMs: number,
    vm: Vm,
    why?: string,
  ) {
    const fault = vm.infraFault();
    super(
      `${why ?? `No ${pattern} on the serial console within ${timeoutMs / 1000} s`}${fault ? ` (emulator fault on the console: "${fault}")` : ""}\n--- last console lines ---\n${vm.tail()}\n---`,
    );
  }
}

function kvmUsable(): boolean {
  return existsSync("/dev/kvm") && process.env.UKIBOOT_QEMU_KVM === "1";
}

/**
 * The arm64 guest's CPU: QEMU's "max" without LPA2 (which Debian's 6.12 kernels do not boot with 4 KiB pages)
 * and without SVE. With SVE on, ukiboot's runtime died by a segmentation fault in most boots that decompress a
 * kernel, at a random address, also when the decompression ran on the calling thread; the same work under
 * QEMU's user-mode emulator, with SVE, never crashed (docs/kexec.md §9). The register state a guest kernel
 * saves and restores for SVE is what system emulation adds, so the lab's arm64 CPU has none.
 */
const ARM64_CPU = "max,lpa2=off,sve=off";

/** AAVMF, Debian's build of the UEFI firmware for QEMU's arm64 virt machine (qemu-efi-aarch64). */
export const AAVMF_CODE = "/usr/share/AAVMF/AAVMF_CODE.fd";
export const AAVMF_VARS = "/usr/share/AAVMF/AAVMF_VARS.fd";

/** QEMU's command line for `opts`, with the VM's own files (monitor socket, NVRAM copy) in `dir`. */
export function qemuArgs(opts: VmOptions, dir: string): string[] {
  const arm64 = opts.arch === "arm64";
  const args = [arm64 ? "qemu-system-aarch64" : "qemu-system-x86_64", "-nodefaults", "-no-reboot", "-display", "none", "-m", String(opts.memoryMiB ?? 2048)];
  // One CPU: -smp 2 under TCG double-faulted guests in 4 of 6 runs here; -smp 1 was stable (docs/kexec.md §9).
  if (opts.kvm && kvmUsable() && !arm64) args.push("-accel", "kvm", "-cpu", "host");
  // arm64 without FEAT_LPA2: with it, Debian's 6.12 kernel oopsed in trans_pgd_create_copy on every kexec here (docs/kexec.md §11).
  else args.push("-accel", "tcg", "-cpu", arm64 ? ARM64_CPU : "max", "-smp", "1");
  args.push("-machine", arm64 ? "virt" : opts.firmware === "ovmf-secure-boot" ? "q35,smm=on" : "q35");
  args.push("-serial", opts.interactive ? "mon:stdio" : "stdio");
  args.push("-monitor", `unix:${join(dir, "monitor.sock")},server,nowait`);
  if (opts.kernel) args.push("-kernel", opts.kernel);
  if (opts.initrd) args.push("-initrd", opts.initrd);
  if (opts.append) args.push("-append", opts.append);
  if (opts.firmware && arm64) {
    // AAVMF's flash devices are 64 MiB each: the code read-only, the variables a copy.
    const vars = opts.varsFile ?? join(dir, "AAVMF_VARS.fd");
    if (!opts.varsFile) copyFileSync(AAVMF_VARS, vars);
    args.push("-drive", `if=pflash,format=raw,unit=0,readonly=on,file=${AAVMF_CODE}`);
    args.push("-drive", `if=pflash,format=raw,unit=1,file=${vars}`);
  } else if (opts.firmware) {
    const secure = opts.firmware === "ovmf-secure-boot";
    const vars = opts.varsFile ?? join(dir, "OVMF_VARS.fd");
    if (!opts.varsFile) copyFileSync(secure ? SECBOOT_VARS : OVMF_VARS, vars);
    if (secure) args.push("-global", "driver=cfi.pflash01,property=secure,value=on");
    args.push("-drive", `if=pflash,format=raw,unit=0,readonly=on,file=${secure ? SECBOOT_CODE : OVMF_CODE}`);
    args.push("-drive", `if=pflash,format=raw,unit=1,file=${vars}`);
  }
  for (const [i, d] of (opts.disks ?? []).entries()) {
    const id = d.id ?? `disk${i}`;
    // A boot never writes a cached fixture: two lanes may boot the same one at once, and the next run must
    // find it as built. Writes go to a temporary overlay; a scenario that keeps what the guest wrote boots a copy.
    const snapshot = d.path.startsWith(`${LAB_CACHE}/`) ? ",snapshot=on" : "";
    args.push("-drive", `if=none,id=${id},format=raw,file=${d.path}${snapshot}`);
    if (d.deferred) {
      // An empty PCIe root port to hot-plug the disk into later (Linux pciehp picks it up).
      args.push("-device", `pcie-root-port,id=hp${i},chassis=${i + 1},slot=${i + 1}`);
      continue;
    }
    args.push("-device", diskDevice(d, id, i));
  }
  if (opts.tpmSocket) {
    args.push("-chardev", `socket,id=chrtpm,path=${opts.tpmSocket}`, "-tpmdev", "emulator,id=tpm0,chardev=chrtpm", "-device", "tpm-tis,tpmdev=tpm0");
  }
  args.push(...(opts.extraArgs ?? []));
  return args;
}

export function startVm(opts: VmOptions): Vm {
  const dir = mkdtempSync(join(tmpdir(), "ukiboot-vm-"));
  const args = qemuArgs(opts, dir);
  const proc = Bun.spawn(args, {
    stdin: opts.interactive ? "inherit" : "pipe",
    stdout: opts.interactive ? "inherit" : "pipe",
    stderr: opts.interactive ? "inherit" : "pipe",
  });
  return new Vm(proc as never, dir, args);
}

/**
 * Why a failed scenario may be run again: an infrastructure fault recognised by its signature, never a plain
 * timeout or a wrong answer. TCG occasionally faults a guest on this kind of machine (a double fault, a
 * general protection fault or a panic in the boot kernel before ukiboot runs), and QEMU itself can crash or
 * assert; both say so in the first kernel's console, in QEMU's own messages or in how its process ended. null
 * when the failure is the scenario's own.
 */
export function infrastructureFault(vm: Vm): string | null {
  const fault = vm.infraFault();
  if (fault) return `an emulator fault on the boot kernel's console ("${fault}")`;
  if (firmwareStalled(vm.output)) return "the firmware stopped after its banner and started nothing";
  const tpm = tpmTimedOut(vm.output);
  if (tpm) return `the software TPM did not answer in time ("${tpm}")`;
  const signal = vm.proc.signalCode;
  if (signal && !vm.killed) return `QEMU was killed by ${signal}`;
  for (const re of QEMU_FAULTS) {
    const crash = (vm.qemuMessages ?? "").match(re);
    if (crash) return `QEMU crashed ("${crash[0].trim()}")`;
  }
  return null;
}

/**
 * A TPM command that timed out in the guest's kernel (ETIME, errno 62): swtpm, a host process behind QEMU's
 * tpm-tis, was not scheduled in time while two TCG guests kept both cores busy. It was seen once in
 * systemd's own sysinit phase under systemd-boot, with no ukiboot in the boot at all. Anywhere in the console:
 * no software under test can make a TPM answer late. The signature, or null.
 */
export function tpmTimedOut(console: string): string | null {
  return (
    console.match(/tcti_device_receive\(\) Failed to get response size fd \d+, got errno 62: Timer expired|tpm_try_transmit: send\(\): error -62/)?.[0] ?? null
  );
}

/**
 * AAVMF under TCG has, once in several runs here, printed its banner, cleared the screen and then sat idle
 * until the deadline, before loading any image. A boot image it could not load would say so (BdsDxe's
 * messages); nothing printable after the banner means no software under test ran.
 */
export function firmwareStalled(console: string): boolean {
  const at = console.lastIndexOf("UEFI firmware (version");
  if (at < 0) return false;
  const after = console.slice(console.indexOf("\n", at) + 1 || console.length);
  // Without the terminal's control sequences (ESC [ … letter, ESC [ = … h) nothing but blanks is left.
  return after.replace(/\x1b\[[0-9;=?]*[A-Za-z]/g, "").trim() === "";
}

/**
 * When the guest's ukiboot crashed in the Bun runtime and the shim ran it again (run_ukiboot), the runtime's
 * words; null otherwise. A scenario that passed after that counts as retried: the product recovered, but a
 * run must show it, and the run fails when such recoveries and retries together are too many.
 */
export function recoveredRuntimeCrash(console: string): string | null {
  if (!/ukiboot: running ukiboot once more/.test(console)) return null;
  const panic = console.match(/panic\([^)]*\): ([^\n\r]*)/);
  if (!panic && !/oh no: Bun has crashed/.test(console)) return null;
  return `the Bun runtime crashed in the guest (${panic?.[1]?.trim() ?? "no panic line"}) and the shim ran ukiboot once more`;
}

/** One retried boot, as the summary lists it. */
export interface VmRetry {
  /** Why the first attempt counted as the emulator's failure (infrastructureFault's words). */
  signature: string;
  /** The first attempt's error, first line. */
  error: string;
}

/**
 * Runs `scenario` against a fresh VM; when it fails with a recognised infrastructure fault, runs it once
 * more on a new VM, says so with the reason and reports the retry (onRetry). Any other failure, a timeout
 * included, fails at once.
 */
export async function withVmRetry<T>(
  make: () => Vm,
  scenario: (vm: Vm) => Promise<T>,
  opts: { log?: (s: string) => void; onRetry?: (r: VmRetry) => void } = {},
): Promise<T> {
  let firstError: Error | undefined;
  for (let attempt = 1; attempt <= 2; attempt++) {
    const vm = make();
    try {
      const result = await scenario(vm);
      const recovered = recoveredRuntimeCrash(vm.output);
      if (recovered) {
        opts.onRetry?.({ signature: recovered, error: "none: the scenario passed after the second run" });
        opts.log?.(`${recovered}; the scenario passed.\n${vm.tail(15)}`);
      }
      return result;
    } catch (e) {
      const err = e as Error;
      const fault = infrastructureFault(vm);
      if (attempt === 1 && fault) {
        firstError = err;
        opts.onRetry?.({ signature: fault, error: err.message.split("\n")[0] ?? "" });
        opts.log?.(`QEMU attempt 1 failed with ${fault}; retrying once on a new VM.\n${vm.tail(15)}`);
        continue;
      }
      if (firstError) err.message = `${err.message}\n(first attempt also failed: ${firstError.message.split("\n")[0]})`;
      throw err;
    } finally {
      await vm.kill();
    }
  }
  throw new Error("Internal error: withVmRetry fell through");
}
