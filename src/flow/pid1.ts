/**
 * The PID-1 boot (`ukiboot init`, started by the initramfs shim): load the ESP drivers, wait for the ESP,
 * mount it read-only, and run the one boot flow; on any failure explain it and hand back to the shim,
 * whose next step the exit code names (initrd-hooks/README.md). Everything it does goes through Sys.
 */
import { BootError, formatError } from "../errors.ts";
import { parseKernelOptions, type KernelOptions } from "../cmdline/kernel-options.ts";
import type { ChooserFactory } from "../ports/chooser.ts";
import type { Partition, Sys } from "../ports/sys.ts";
import type { Terminal } from "../ports/terminal.ts";
import { defaultEntry, openSession, type SessionOptions } from "./boot-session.ts";
import { chooseEsp, type EspChoice } from "./find-esp.ts";
import { readLoaderVars } from "./loader-state.ts";
import { builtWithRescueShell } from "../build-flags.ts";
import { mayOfferRescueShell } from "../model/entry-rules.ts";
import { resolveVerifyPolicy } from "../trust/verify-policy.ts";
import { readSecureBoot } from "./secure-boot.ts";
import { carryOut } from "./power.ts";
import { capPcrs } from "./cap-pcrs.ts";
import { runBoot } from "./run-boot.ts";
import { parseIpOption, type IpSetup } from "../net/ip-option.ts";

export const ESP_MOUNT = "/run/ukiboot/esp";
export const XBOOTLDR_MOUNT = "/run/ukiboot/xbootldr";
export const DEFAULT_WAIT_SECONDS = 10;
/**
 * With menu-hidden, how long after ukiboot starts a key may arrive to open the menu; serial input arrives later
 * than a keyboard's. The window runs while the ESP is found and listed: a key typed meanwhile waits in the
 * console's input buffer and is read when the hidden menu starts (docs/order-and-default.md §4).
 */
export const HIDDEN_KEY_WINDOW_MS = 1000;
/** The least the hidden menu waits for a key, whatever has passed: systemd-boot's own wait. */
export const MIN_HIDDEN_KEY_WINDOW_MS = 100;

/** What is left of the key window `HIDDEN_KEY_WINDOW_MS` after `elapsedMs` since start, never below systemd-boot's 100 ms. */
export function hiddenKeyWindowLeft(elapsedMs: number): number {
  return Math.max(MIN_HIDDEN_KEY_WINDOW_MS, HIDDEN_KEY_WINDOW_MS - Math.max(0, elapsedMs));
}
/** How long the console shows why nothing booted before the rescue shell takes over. */
export const RESCUE_COUNTDOWN_SECONDS = 5;

/** The exit codes the shim acts on (initrd-hooks/common/init-shim.sh). */
export const INIT_EXIT = {
  /** The dry run finished, or this kernel was started by kexec inside a distribution's initramfs. */
  done: 0,
  /** Nothing could be booted: the shim offers the rescue shell (or the distribution's boot goes on). */
  failed: 1,
  /** The person chose the rescue shell in the menu. */
  shell: 3,
  /** Nothing could be booted and signatures are enforced: no shell may be offered, the shim powers off. */
  noShell: 4,
} as const;

/** How long the console shows why nothing booted before the machine powers off, when no shell may be offered. */
export const POWER_OFF_COUNTDOWN_SECONDS = 10;

export interface InitEnvironment {
  /** UKIBOOT_HOOK: set by the hooks of initramfs generators; ukiboot runs inside the distribution's initramfs. */
  hook?: string;
  /** UKIBOOT_NO_MODULES=1: the generator's udev and modprobe load the drivers. */
  noModules?: boolean;
  /** ukiboot's process id, for the first log line. */
  pid?: number;
}

function loadModules(sys: Sys): void {
  const r = sys.modules.loadAll();
  if (r.loaded.length) sys.log.info(`loaded modules: ${r.loaded.join(" ")}`);
  for (const f of r.failed) sys.log.warn(formatError(f.error));
}

/**
 * How the ukiboot.debug line that lists /proc/modules begins. It is the kernel's account of the drivers
 * loaded, not ukiboot's, so a test can hold it against the hardware it attached (docs/boot-time.md §4).
 */
export const PROC_MODULES_DEBUG = "modules the kernel lists in /proc/modules:";

/** With ukiboot.debug: one line with every module /proc/modules lists, "(none)" or why it could not be read. */
function debugProcModules(sys: Sys): void {
  let listed: string;
  try {
    const names = sys.modules.listLoaded();
    // Parenthesised, so that neither word can be taken for a module's name.
    listed = names === null ? "(unreadable)" : names.length ? names.join(" ") : "(none)";
  } catch (e) {
    listed = `(unreadable: ${formatError(e).replaceAll("\n", " ")})`;
  }
  sys.log.debug(`${PROC_MODULES_DEBUG} ${listed}`);
}

function mountEfivarfs(sys: Sys): void {
  try {
    sys.mounts.mountEfivarfs();
  } catch (e) {
    sys.log.warn(`EFI variables are unavailable: ${formatError(e)}`);
  }
}

/** Scans all disks until an ESP appears or `waitSeconds` pass, showing a countdown once per second. */
async function waitForEsp(
  sys: Sys,
  opts: { selector?: string; loaderPartUuid?: string; waitSeconds: number; loadModules: boolean },
): Promise<EspChoice<Partition> | undefined> {
  const deadline = sys.clock.now() + opts.waitSeconds * 1000;
  let lastShown = -1;
  for (;;) {
    const { partitions } = sys.disks.scan();
    const choice = chooseEsp(partitions, {
      ...(opts.selector ? { selector: opts.selector } : {}),
      ...(opts.loaderPartUuid ? { loaderPartUuid: opts.loaderPartUuid } : {}),
    });
    if (choice) return choice;
    const left = Math.ceil((deadline - sys.clock.now()) / 1000);
    if (left <= 0) return undefined;
    if (left !== lastShown) {
      sys.log.info(`waiting for the ESP to appear (${left} s left)`);
      lastShown = left;
    }
    await sys.clock.sleep(250);
    // A disk that appears late (hot-plugged, or behind a controller whose driver just loaded) may need its driver.
    if (opts.loadModules) loadModules(sys);
  }
}

/** The network setup of a boot: ukiboot.net= or ip=, else DHCP; a value that cannot be used switches it off, with a warning. */
function networkSetup(sys: Sys, opts: KernelOptions): IpSetup {
  if (opts.net === undefined) return { mode: "dhcp" };
  const setup = parseIpOption(opts.net);
  if ("error" in setup) {
    sys.log.warn(`ignoring ${opts.netOption}=${opts.net}: ${setup.error}; the network stays off`);
    return { mode: "off" };
  }
  return setup;
}

function sessionOptions(sys: Sys, opts: KernelOptions): SessionOptions {
  return {
    network: networkSetup(sys, opts),
    ...(opts.url !== undefined ? { bootUrl: opts.url } : {}),
    ...(opts.entry !== undefined ? { entryOverride: opts.entry } : {}),
    ...(opts.timeout !== undefined ? { timeoutOverride: opts.timeout } : {}),
    ...(opts.verify !== undefined ? { verifyCmdline: opts.verify } : {}),
  };
}

/**
 * The consoles that get the menu: ukiboot.console=NAME alone, else every console (docs/menu.md §4); none
 * when none can take input. Inside a distribution's initramfs (`hook`) its own services own the consoles:
 * only the one ukiboot was started on, as the generator gave it (initrd-hooks/README.md).
 */
function openConsoles(sys: Sys, name: string | undefined, hook: boolean): Terminal[] {
  const startedOn = () => {
    const t = sys.consoles.open();
    return t ? [t] : [];
  };
  if (name) {
    try {
      const one = sys.consoles.open(name);
      return one ? [one] : [];
    } catch (e) {
      sys.log.warn(`cannot use ukiboot.console=${name}: ${(e as Error).message}; using ${hook ? "the console ukiboot was started on" : "every console"}`);
    }
  }
  return hook ? startedOn() : sys.consoles.openAll();
}

/** Finds, mounts and boots; returns the exit code for the shim. Unmounts what it mounted on every path. */
async function bootFromEsp(
  sys: Sys,
  opts: KernelOptions,
  menuFor: ChooserFactory,
  out: { write(s: string): unknown },
  started: { at: number; loadModules: boolean; hook: boolean },
): Promise<number> {
  // The partition the firmware started the boot kernel from, when it was started by UEFI (docs/entries.md §1).
  const loaderPartUuid = readLoaderVars(sys.efivars).loaderDevicePartUuid;
  // With ukiboot.url= the ESP is optional (a diskless boot): a disk present at once is used, none is waited for.
  const diskless = opts.url !== undefined && opts.esp === undefined;
  const choice = await waitForEsp(sys, {
    ...(opts.esp ? { selector: opts.esp } : {}),
    ...(loaderPartUuid ? { loaderPartUuid } : {}),
    waitSeconds: diskless ? (opts.wait ?? 0) : (opts.wait ?? DEFAULT_WAIT_SECONDS),
    loadModules: started.loadModules,
  });
  if (!choice && diskless) sys.log.info(`no ESP found; booting from ukiboot.url=${opts.url} only`);
  else if (!choice) {
    throw new BootError(
      opts.esp
        ? `Cannot find the ESP: no partition matches ukiboot.esp=${opts.esp}`
        : "Cannot find the ESP: no disk has a GPT partition of type EFI System Partition",
      "Attach the disk holding the ESP, or wait longer with ukiboot.wait=SECONDS",
    );
  }
  if (choice) {
    sys.log.info(`using ESP ${choice.esp.device} (PARTUUID ${choice.esp.partUuid}): ${choice.reason}`);
    for (const o of choice.others) sys.log.info(`also found an ESP on ${o.device}; not used`);
    sys.mounts.mountReadOnly(choice.esp.device, ESP_MOUNT);
    if (choice.xbootldr) sys.mounts.mountReadOnly(choice.xbootldr.device, XBOOTLDR_MOUNT);
  }
  const partitions = choice ? { esp: ESP_MOUNT, ...(choice.xbootldr ? { xbootldr: XBOOTLDR_MOUNT } : {}) } : null;
  const session = await openSession(sys, partitions, sessionOptions(sys, opts));
  const lockdown = session.trust.lockdown;
  sys.log.info(`signatures: ${session.trust.policy.explanation}${lockdown ? `; kernel lockdown: ${lockdown}` : ""}`);
  // The ESP was found and listed with the drivers loaded so far: the last moment before the boot decides.
  if (opts.debug) debugProcModules(sys);
  if (opts.dryRun) {
    await runBoot(sys, session, { chooser: null, menuFirst: false, dryRun: { out } });
    sys.log.info("dry run (ukiboot.dry-run): not booting");
    return INIT_EXIT.done;
  }
  const chosen = defaultEntry(session);
  if (chosen) sys.log.info(`default entry: "${chosen.showTitle}" (${chosen.id}), chosen by ${session.state.choice.reason}`);
  const terminals = openConsoles(sys, opts.console, started.hook);
  // The menu's code loads only when a menu is shown (Ink costs tens of milliseconds to load).
  const chooser = terminals.length > 0 ? () => menuFor(terminals) : null;
  const outcome = await runBoot(sys, session, {
    chooser,
    // With a console the menu comes first (a hidden one still boots the default after its short key window);
    // without one, or with menu-disabled, the default boots at once and the menu is offered only on failure.
    menuFirst: chooser !== null && session.state.timeout.timeout !== "menu-disabled",
    hiddenKeyWindowMs: hiddenKeyWindowLeft(sys.clock.now() - started.at),
    // ukiboot is the machine's boot loader here, so loader.conf's reboot-on-error is its to honour, and the
    // screen is its to draw the UKI's splash on.
    rebootOnError: true,
    splash: true,
    // Not inside a distribution's initramfs: its shell is not capped, and its PCR 11 is its own stub's.
    totp: !started.hook,
  });
  switch (outcome.kind) {
    case "reboot":
    case "poweroff":
    case "firmware-setup":
      carryOut(sys, outcome.kind);
      return INIT_EXIT.failed;
    case "shell":
      sys.log.info("the rescue shell was chosen");
      return INIT_EXIT.shell;
    default:
      // The kernel did not start although kexec said it would: the shim's rescue shell is all that is left.
      sys.log.error("the loaded kernel did not start");
      return INIT_EXIT.failed;
  }
}

/**
 * Whether a rescue shell may follow a failed boot: not while signatures are enforced (Secure Boot, lockdown,
 * or ukiboot.verify=enforce|strict), where root in the boot initramfs could kexec a signed kernel with any
 * initrd and command line (docs/trust.md §6). Decided before anything can fail, from the same policy the
 * boot uses.
 */
function rescueShellAllowed(sys: Sys, opts: KernelOptions): boolean {
  const policy = resolveVerifyPolicy({ cmdlineValue: opts.verify, platform: readSecureBoot(sys) });
  return mayOfferRescueShell(policy.mode, builtWithRescueShell());
}

/** Nothing booted and no shell may be offered: say why, wait so it can be read, then power off. */
async function powerOffWithoutShell(sys: Sys): Promise<number> {
  sys.log.info(`nothing could be booted, and signatures are enforced, so no shell is offered; powering off in ${POWER_OFF_COUNTDOWN_SECONDS} s`);
  await sys.clock.sleep(POWER_OFF_COUNTDOWN_SECONDS * 1000);
  try {
    carryOut(sys, "poweroff");
  } catch (e) {
    sys.log.error(formatError(e));
  }
  return INIT_EXIT.noShell;
}

/**
 * `ukiboot init`. Never throws: every failure is explained on the console and in the kernel log, and ends
 * in an exit code the shim acts on.
 */
export async function runInit(sys: Sys, env: InitEnvironment, menuFor: ChooserFactory, out: { write(s: string): unknown }): Promise<number> {
  const startedAt = sys.clock.now();
  const opts = parseKernelOptions(sys.kernel.cmdline());
  sys.log.info(env.pid === undefined ? "started" : `started (pid ${env.pid})`);
  for (const u of opts.unknown) sys.log.warn(`ignoring the unknown or invalid kernel option "${u}"`);
  if (env.hook && sys.kernel.startedByKexec()) {
    // The UKI ukiboot booted may carry the same hook: booting again would loop forever.
    sys.log.info(`this kernel was started by kexec; not booting again (continuing with the ${env.hook} boot)`);
    sys.log.close();
    return INIT_EXIT.done;
  }
  // Decided at once from what can be read before efivarfs is mounted (on an EFI boot without an answer, no
  // shell), and again once the variables can answer: a failure in between must not open a shell.
  let shellAllowed = rescueShellAllowed(sys, opts);
  let watch: { stop(): void } | null = null;
  try {
    if (env.noModules) sys.log.info("not loading modules (UKIBOOT_NO_MODULES=1): the initramfs generator loads them");
    else {
      loadModules(sys);
      // A keyboard behind a controller whose driver just loaded appears later: its drivers load as it does.
      // Debug lines only: a line in the middle of the menu would tear its frame.
      watch = sys.modules.watchNewDevices((r) => {
        if (r.loaded.length) sys.log.debug(`loaded modules for new devices: ${r.loaded.join(" ")}`);
        for (const f of r.failed) sys.log.debug(formatError(f.error));
      });
    }
    mountEfivarfs(sys);
    shellAllowed = rescueShellAllowed(sys, opts);
    const code = await bootFromEsp(sys, opts, menuFor, out, { at: startedAt, loadModules: !env.noModules, hook: env.hook !== undefined });
    return code === INIT_EXIT.failed && !shellAllowed && !env.hook ? await powerOffWithoutShell(sys) : code;
  } catch (e) {
    sys.log.error(formatError(e));
    if (env.hook) {
      sys.log.info(`nothing could be booted; returning to the ${env.hook} boot`);
      return INIT_EXIT.failed;
    }
    if (!shellAllowed) return await powerOffWithoutShell(sys);
    sys.log.info(`nothing could be booted; starting the rescue shell in ${RESCUE_COUNTDOWN_SECONDS} s`);
    await sys.clock.sleep(RESCUE_COUNTDOWN_SECONDS * 1000);
    return INIT_EXIT.failed;
  } finally {
    watch?.stop();
    for (const f of sys.mounts.releaseAll()) sys.log.warn(`could not unmount ${f.target}: ${f.error.message}`);
    // Returning means no kernel started: what follows (the shim's shell, a dry run's shell, a power-off that
    // may fail) is off the boot path, so no signed PCR 11 value may stay reachable. A distribution's boot
    // goes on from its hook and must find the PCRs as its stub left them, or its own sealed disk would ask
    // for a passphrase (docs/measurements.md §6).
    if (!env.hook) await capPcrs(sys);
    sys.log.close();
  }
}
