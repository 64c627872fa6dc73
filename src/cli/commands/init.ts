/**
 * `ukiboot init`: the PID-1 mode, started by the initramfs shim. Loads the ESP drivers, waits for the ESP,
 * mounts it read-only, boots the default entry, and on any failure explains itself and returns to the shim,
 * which offers a rescue shell. Exit codes: 0 dry run finished, 1 nothing could be booted, 2 bad usage,
 * 3 the person chose the rescue shell in the menu.
 */
import { existsSync, openSync, readFileSync } from "node:fs";
import tty from "node:tty";
import { parseArgs } from "node:util";
import { BootError, formatError } from "../../errors.ts";
import { type BootSession, bootDefault, bootUnattended, consumeOneShots, openSession } from "../../flow/boot-flow.ts";
import { rebootSystem } from "../../linux/kexec.ts";
import { LINUX_REBOOT_CMD_POWER_OFF, LINUX_REBOOT_CMD_RESTART, MS_NODEV, MS_NOEXEC, MS_NOSUID } from "../../linux/syscall-numbers.ts";
import { menuErrorFrom } from "../../../ui/menu-error.ts";
import type { MenuIo } from "../../../ui/run-menu.tsx";
import { type MenuOutcome, requestFirmwareSetup, runMenuFlow } from "../menu-flow.ts";
import { chooseEsp, type EspChoice } from "../../flow/find-esp.ts";
import { readLoaderVars } from "../../flow/loader-state.ts";
import { type BlockPartition, scanPartitions } from "../../linux/block-devices.ts";
import { loadAllModules } from "../../linux/modules.ts";
import { mount } from "../../linux/mounts.ts";
import { createRealSys, type RealSys } from "../../linux/real-sys.ts";
import { type KernelOptions, parseKernelOptions } from "../kernel-options.ts";
import type { Command, CommandIo } from "../command.ts";

const ESP_MOUNT = "/run/ukiboot/esp";
const XBOOTLDR_MOUNT = "/run/ukiboot/xbootldr";
const DEFAULT_WAIT_SECONDS = 10;
/** With menu-hidden, how long a key may arrive to open the menu; serial input arrives later than a keyboard's. */
const HIDDEN_KEY_WINDOW_MS = 1000;
/** The person chose the rescue shell in the menu. */
const EXIT_SHELL = 3;
/** How long the console shows why nothing booted before the rescue shell takes over. */
const RESCUE_COUNTDOWN_SECONDS = 5;

function loadModules(sys: RealSys): void {
  const r = loadAllModules();
  if (r.loaded.length) sys.log.info(`loaded modules: ${r.loaded.join(" ")}`);
  for (const f of r.failed) sys.log.warn(formatError(f.error));
}

function mountEfivarfs(sys: RealSys): void {
  const dir = "/sys/firmware/efi/efivars";
  if (!existsSync("/sys/firmware/efi") || !existsSync(dir)) return;
  try {
    if (readFileSync("/proc/self/mounts", "utf8").includes(` ${dir} `)) return;
    mount("efivarfs", dir, "efivarfs", MS_NOSUID | MS_NODEV | MS_NOEXEC);
    sys.mounts.track(dir);
  } catch (e) {
    sys.log.warn(`EFI variables are unavailable: ${formatError(e)}`);
  }
}

/** Scans all disks until an ESP appears or `waitSeconds` pass, showing a countdown once per second. */
async function waitForEsp(sys: RealSys, opts: { selector?: string; loaderPartUuid?: string; waitSeconds: number }): Promise<EspChoice<BlockPartition> | undefined> {
  const deadline = Date.now() + opts.waitSeconds * 1000;
  let lastShown = -1;
  for (;;) {
    const { partitions } = scanPartitions();
    const choice = chooseEsp(partitions, {
      ...(opts.selector ? { selector: opts.selector } : {}),
      ...(opts.loaderPartUuid ? { loaderPartUuid: opts.loaderPartUuid } : {}),
    });
    if (choice) return choice;
    const left = Math.ceil((deadline - Date.now()) / 1000);
    if (left <= 0) return undefined;
    if (left !== lastShown) {
      sys.log.info(`waiting for the ESP to appear (${left} s left)`);
      lastShown = left;
    }
    await Bun.sleep(250);
  }
}

/**
 * Whether the running kernel was started by kexec: kexec_file_load sets the boot protocol's type_of_loader
 * (offset 0x210 of the x86 boot_params) to 0xD0, which /sys/kernel/boot_params/data shows.
 */
function wasStartedByKexec(): boolean {
  try {
    const data = readFileSync("/sys/kernel/boot_params/data");
    return data[0x210] === 0xd0;
  } catch {
    return false;
  }
}

function overrides(opts: KernelOptions): { entryOverride?: string; timeoutOverride?: string; verifyCmdline?: string } {
  return {
    ...(opts.entry !== undefined ? { entryOverride: opts.entry } : {}),
    ...(opts.timeout !== undefined ? { timeoutOverride: opts.timeout } : {}),
    ...(opts.verify !== undefined ? { verifyCmdline: opts.verify } : {}),
  };
}

/**
 * The console that gets the menu: ukiboot.console=NAME (e.g. ttyS1, tty1), else the shim's /dev/console.
 * null when it cannot take input (not a terminal): the boot is then unattended.
 */
function openConsole(sys: RealSys, io: CommandIo, name: string | undefined): MenuIo | null {
  if (name) {
    try {
      const fd = openSync(`/dev/${name.replace(/^\/dev\//, "")}`, "r+");
      return { stdin: new tty.ReadStream(fd), stdout: new tty.WriteStream(fd), env: io.env };
    } catch (e) {
      sys.log.warn(`cannot use ukiboot.console=${name}: ${(e as Error).message}; using the default console`);
    }
  }
  return io.stdin.isTTY ? { stdin: io.stdin, stdout: io.stdout, env: io.env } : null;
}

/** With a console: the menu (a hidden one still boots the default after its short key window). */
async function interactive(sys: RealSys, session: BootSession, console: MenuIo): Promise<MenuOutcome> {
  return runMenuFlow(sys, session, { io: console, dryRun: false, out: console.stdout, hiddenKeyWindowMs: HIDDEN_KEY_WINDOW_MS });
}

/** Without a console (or menu-disabled): boot the default, fall back; then the menu if a console can take input. */
async function unattended(sys: RealSys, session: BootSession, console: MenuIo | null): Promise<MenuOutcome> {
  try {
    await bootUnattended(sys, session);
    return { kind: "shell" };
  } catch (e) {
    if (!console) throw e;
    sys.log.error(formatError(e));
    return runMenuFlow(sys, session, { io: console, dryRun: false, out: console.stdout, error: menuErrorFrom(e) });
  }
}

async function finish(sys: RealSys, outcome: MenuOutcome): Promise<number> {
  switch (outcome.kind) {
    case "reboot":
    case "poweroff":
    case "firmware-setup":
      if (outcome.kind === "firmware-setup") requestFirmwareSetup(sys);
      await sys.prepareForExec();
      rebootSystem(outcome.kind === "poweroff" ? LINUX_REBOOT_CMD_POWER_OFF : LINUX_REBOOT_CMD_RESTART);
      return 1;
    default:
      sys.log.info("the rescue shell was chosen");
      return EXIT_SHELL;
  }
}

export const initCommand: Command = {
  name: "init",
  summary: "PID-1 mode: find the ESP, boot the default entry, explain failures",
  help: `Usage: ukiboot init

Run by the initramfs shim (/init) as the boot loader: loads the modules shipped in the initramfs,
waits for the EFI System Partition, mounts it read-only and boots the default entry with kexec.
If nothing can be booted it explains why and returns to the shim, which offers a rescue shell.

Kernel command line options (of the boot kernel):
  ukiboot.wait=SECONDS   how long to wait for the ESP to appear (default ${DEFAULT_WAIT_SECONDS})
  ukiboot.entry=ID       boot this entry (id or glob) instead of the default, once
  ukiboot.timeout=SECS   menu timeout, overriding loader.conf and LoaderConfigTimeout
  ukiboot.esp=SELECTOR   PARTUUID=…, PARTLABEL=…, LABEL=… or a device path
  ukiboot.dry-run        show what would be booted, then return to the shell
  ukiboot.console=NAME   the console that gets the menu (e.g. ttyS1, tty1); default /dev/console
  ukiboot.verify=MODE    off, warn or enforce for UKI and add-on signatures (default: enforce under
                         Secure Boot or lockdown, else warn)
  ukiboot.debug          more messages

Environment:
  UKIBOOT_NO_MODULES=1   do not load modules (the initramfs generator hooks set it; see initrd-hooks/README.md)

Exit codes: 0 the dry run finished, 1 nothing could be booted, 2 bad usage, 3 the rescue shell was
chosen in the menu.`,
  async run(args, io) {
    parseArgs({ args, options: {}, strict: true });
    const cmdline = existsSync("/proc/cmdline") ? readFileSync("/proc/cmdline", "utf8") : "";
    const opts = parseKernelOptions(cmdline);
    const sys = createRealSys({ stderr: io.stderr, kmsg: true, debug: opts.debug });
    sys.log.info(`started (pid ${process.pid})`);
    for (const u of opts.unknown) sys.log.warn(`ignoring the unknown or invalid kernel option "${u}"`);
    // Set by the hooks of initramfs generators (initrd-hooks/): ukiboot runs inside the distribution's initramfs.
    const hook = io.env.UKIBOOT_HOOK;
    if (hook && wasStartedByKexec()) {
      // The UKI ukiboot booted may carry the same hook: booting again would loop forever.
      sys.log.info(`this kernel was started by kexec; not booting again (continuing with the ${hook} boot)`);
      sys.log.close();
      return 0;
    }
    try {
      // Set by the initramfs generators' hooks (initrd-hooks/): there, the generator's udev and modprobe load
      // the drivers, and loading every module its modules.dep lists would load hundreds.
      if (io.env.UKIBOOT_NO_MODULES === "1") sys.log.info("not loading modules (UKIBOOT_NO_MODULES=1): the initramfs generator loads them");
      else loadModules(sys);
      mountEfivarfs(sys);
      // The partition the firmware started the boot kernel from, when it was started by UEFI (§2.1).
      const loaderPartUuid = readLoaderVars(sys.efivars).loaderDevicePartUuid;
      const choice = await waitForEsp(sys, {
        ...(opts.esp ? { selector: opts.esp } : {}),
        ...(loaderPartUuid ? { loaderPartUuid } : {}),
        waitSeconds: opts.wait ?? DEFAULT_WAIT_SECONDS,
      });
      if (!choice) {
        throw new BootError(
          opts.esp ? `Cannot find the ESP: no partition matches ukiboot.esp=${opts.esp}` : "Cannot find the ESP: no disk has a GPT partition of type EFI System Partition",
          "Attach the disk holding the ESP, or wait longer with ukiboot.wait=SECONDS",
        );
      }
      sys.log.info(`using ESP ${choice.esp.device} (PARTUUID ${choice.esp.partUuid}): ${choice.reason}`);
      for (const o of choice.others) sys.log.info(`also found an ESP on ${o.device}; not used`);
      sys.mounts.mountVfatReadOnly(choice.esp.device, ESP_MOUNT);
      if (choice.xbootldr) sys.mounts.mountVfatReadOnly(choice.xbootldr.device, XBOOTLDR_MOUNT);
      const parts = { esp: ESP_MOUNT, ...(choice.xbootldr ? { xbootldr: XBOOTLDR_MOUNT } : {}) };
      if (opts.dryRun) {
        await bootDefault(sys, { ...parts, dryRun: true, out: io.stdout, ...overrides(opts) });
        sys.log.info("dry run (ukiboot.dry-run): not booting");
        return 0;
      }
      const session = await openSession(sys, parts, overrides(opts));
      const chosen = session.state.choice.index !== undefined ? session.discovery.entries[session.state.choice.index] : undefined;
      if (chosen) sys.log.info(`default entry: "${chosen.showTitle}" (${chosen.id}), chosen by ${session.state.choice.reason}`);
      consumeOneShots(sys, session);
      const console = openConsole(sys, io, opts.console);
      const outcome = console && session.state.timeout.timeout !== "menu-disabled" ? await interactive(sys, session, console) : await unattended(sys, session, console);
      return await finish(sys, outcome);
    } catch (e) {
      sys.log.error(formatError(e));
      if (hook) {
        sys.log.info(`nothing could be booted; returning to the ${hook} boot`);
        return 1;
      }
      sys.log.info(`nothing could be booted; starting the rescue shell in ${RESCUE_COUNTDOWN_SECONDS} s`);
      await Bun.sleep(RESCUE_COUNTDOWN_SECONDS * 1000);
      return 1;
    } finally {
      for (const r of sys.mounts.unmountAll()) if (r.error) sys.log.warn(`could not unmount ${r.target}: ${r.error.message}`);
      sys.log.close();
    }
  },
};
