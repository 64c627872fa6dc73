/**
 * `ukiboot init` as PID 1, over a fake Sys: UKIs on a fixture ESP (test/support/flow-esp.ts),
 * disks that appear when the test says, a clock that moves only when the flow waits, a recording kexec and
 * a scripted chooser in place of the menu. Each case checks the console lines a person would see and the
 * exit code the initramfs shim acts on (initrd-hooks/common/init-shim.sh).
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ESP_MOUNT,
  HIDDEN_KEY_WINDOW_MS,
  hiddenKeyWindowLeft,
  INIT_EXIT,
  MIN_HIDDEN_KEY_WINDOW_MS,
  PROC_MODULES_DEBUG,
  runInit,
} from "../../../src/flow/pid1.ts";
import { parseProcModules } from "../../../src/kernel-modules/proc-modules.ts";
import type { ChooserFactory } from "../../../src/ports/chooser.ts";
import type { Terminal } from "../../../src/ports/terminal.ts";
import { type FakeSys, fakeSys } from "../../support/fake-sys.ts";

import { DISK, TERMINAL, boot, efivars, espCopy, init, noMenu, scriptedChooser, variable } from "../../support/pid1-harness.ts";

const SCREEN: Terminal = { stdin: {} as NodeJS.ReadStream, stdout: { write: () => true } };
const SERIAL: Terminal = { stdin: {} as NodeJS.ReadStream, stdout: { write: () => true } };

/** A chooser that boots flow-1.efi and records the terminals it was made for. */
function recordingChooser(): { factory: ChooserFactory; given: (readonly Terminal[])[] } {
  const given: (readonly Terminal[])[] = [];
  const inner = scriptedChooser(boot("flow-1.efi"));
  return {
    given,
    factory: async (terminals) => {
      given.push(terminals);
      return inner.factory(terminals);
    },
  };
}

describe("finding the ESP", () => {
  test("while it waits for the ESP, drivers are loaded for devices that appeared; the disk behind one is then found", async () => {
    const esp = espCopy();
    let sdLoadedAt: number | undefined;
    const r = await init({
      esp,
      // At 500 ms a SCSI disk shows up behind its controller; its driver (sd_mod) makes the partition appear.
      modulesLoaded: (ms) => (ms >= 500 && sdLoadedAt === undefined ? ((sdLoadedAt = ms), ["sd_mod"]) : ms === 0 ? ["ahci", "vfat"] : []),
      partitions: (ms) => (sdLoadedAt !== undefined && ms >= sdLoadedAt ? [DISK] : []),
    });
    expect(r.log).toContain("info: loaded modules: ahci vfat");
    expect(r.log).toContain("info: loaded modules: sd_mod");
    expect(r.sys.events.slice(0, 3)).toEqual(["load modules ahci vfat", "load modules sd_mod", `mount /dev/vda1 ${ESP_MOUNT}`]);
    expect(r.sys.kexec.loaded.map((p) => p.entryId)).toEqual(["flow-2.efi"]);
  });

  test("UKIBOOT_NO_MODULES=1: no module is loaded, at start or while waiting", async () => {
    const r = await init({ env: { noModules: true }, modulesLoaded: () => ["sd_mod"], partitions: (ms) => (ms >= 500 ? [DISK] : []) });
    expect(r.sys.events.filter((e) => e.startsWith("load modules"))).toEqual([]);
    expect(r.sys.kexec.loaded.map((p) => p.entryId)).toEqual(["flow-2.efi"]);
  });

  test("a keyboard that appears while the menu is up gets its drivers: the watch runs from the first load to the end, and says so only in debug lines", async () => {
    let during: { started: number; stopped: number } | undefined;
    let watchOf: (() => FakeSys["deviceWatch"]) | undefined;
    const chooser: ChooserFactory = async () => ({
      async choose() {
        const w = watchOf!();
        during = { started: w.started, stopped: w.stopped };
        // The USB keyboard's HID device appeared after usbhid loaded: the watch loads hid_generic for it.
        w.onLoaded?.({ loaded: ["hid_generic"], failed: [] });
        return boot("flow-1.efi");
      },
      progress: () => ({ update() {}, close: async () => {} }),
    });
    const esp = espCopy();
    const sys = fakeSys({ partitions: [DISK], devices: { "/dev/vda1": esp }, console: TERMINAL });
    watchOf = () => sys.deviceWatch;
    await runInit(sys, {}, chooser, { write: () => true });
    expect(during).toEqual({ started: 1, stopped: 0 });
    expect(sys.deviceWatch).toMatchObject({ started: 1, stopped: 1 });
    expect(sys.log.text()).toContain("debug: loaded modules for new devices: hid_generic");
    expect(sys.log.text()).not.toContain("info: loaded modules for new devices");
  });

  test("UKIBOOT_NO_MODULES=1: nothing watches for new devices either", async () => {
    const r = await init({ env: { noModules: true } });
    expect(r.sys.deviceWatch.started).toBe(0);
  });

  test("an ESP that appears late is found within ukiboot.wait, with a countdown once a second", async () => {
    const esp = espCopy();
    const r = await init({ esp, cmdline: "ukiboot.wait=5", partitions: (ms) => (ms >= 2500 ? [DISK] : []) });
    expect(r.log).toContain("info: waiting for the ESP to appear (5 s left)");
    expect(r.log).toContain("info: waiting for the ESP to appear (3 s left)");
    expect(r.log).toContain(`info: using ESP /dev/vda1 (PARTUUID ${DISK.partUuid}): it is the first partition of type ESP`);
    expect(r.sys.kexec.loaded.map((p) => p.entryId)).toEqual(["flow-2.efi"]);
    // The UKI is sealed before it is verified, the seal dropped once the kernel holds its copy, and the ESP
    // unmounted before the kernel starts.
    expect(r.sys.events).toEqual([
      `mount /dev/vda1 ${ESP_MOUNT}`,
      `snapshot ${ESP_MOUNT}/EFI/Linux/flow-2.efi`,
      "release snapshots",
      `release ${ESP_MOUNT}`,
      "exec",
      "release",
    ]);
  });

  test("no ESP at all: the console says what is missing and what to do, then the rescue shell after 5 s", async () => {
    const r = await init({ cmdline: "ukiboot.wait=2", partitions: [] });
    expect(r.log).toContain(
      "error: Cannot find the ESP: no disk has a GPT partition of type EFI System Partition\n  Attach the disk holding the ESP, or wait longer with ukiboot.wait=SECONDS",
    );
    expect(r.log).toContain("info: nothing could be booted; starting the rescue shell in 5 s");
    expect(r.sys.clock.slept.at(-1)).toBe(5000);
    expect(r.code).toBe(INIT_EXIT.failed);
    expect(r.sys.kexec.loaded).toEqual([]);
  });

  test("ukiboot.esp= that matches nothing names the selector", async () => {
    const r = await init({ cmdline: "ukiboot.esp=PARTLABEL=nope ukiboot.wait=1" });
    expect(r.log).toContain("error: Cannot find the ESP: no partition matches ukiboot.esp=PARTLABEL=nope");
    expect(r.code).toBe(INIT_EXIT.failed);
  });
});

describe("booting", () => {
  test("without a console the default boots unattended, and the log says what chose it", async () => {
    const r = await init({});
    expect(r.log).toContain('info: default entry: "Flow OS 2" (flow-2.efi), chosen by first');
    expect(r.log).toContain('info: booting "Flow OS 2" (flow-2.efi), chosen by first');
    expect(r.sys.kexec.loaded.map((p) => p.entryId)).toEqual(["flow-2.efi"]);
    expect(r.sys.kexec.execs).toBe(1);
  });

  test("every entry failing without a console: each reason, then the summary, then the rescue shell", async () => {
    const esp = espCopy();
    const sys = fakeSys({ partitions: [DISK], devices: { "/dev/vda1": esp } });
    sys.kexec.failures.set("flow-2.efi", "ENOEXEC").set("flow-1.efi", "EKEYREJECTED");
    const code = await runInit(sys, {}, noMenu, { write: () => true });
    const log = sys.log.text();
    expect(log).toMatch(/error: Cannot load ".*flow-2\.efi": kexec_file_load\(.*\) failed with ENOEXEC/);
    expect(log).toContain('info: trying the next entry, "Flow OS 1" (flow-1.efi)');
    expect(log).toMatch(/error: Cannot load ".*flow-1\.efi": kexec_file_load\(.*\) failed with EKEYREJECTED/);
    expect(log).toContain("error: Cannot boot: every entry failed to load (flow-2.efi, flow-1.efi)");
    expect(code).toBe(INIT_EXIT.failed);
    expect(sys.kexec.execs).toBe(0);
  });

  test("every entry failing with menu-disabled and a console: the menu opens on the error, and the shell is offered there", async () => {
    const esp = espCopy({ "loader/loader.conf": "timeout menu-disabled\n" });
    const sys = fakeSys({ partitions: [DISK], devices: { "/dev/vda1": esp }, console: TERMINAL });
    sys.kexec.failures.set("flow-2.efi", "ENOEXEC").set("flow-1.efi", "ENOEXEC");
    const menu = scriptedChooser({ kind: "shell", variables: {} });
    const code = await runInit(sys, {}, menu.factory, { write: () => true });
    expect(menu.requests).toHaveLength(1);
    expect(menu.requests[0]!.error?.message).toBe("Cannot boot: every entry failed to load (flow-2.efi, flow-1.efi)");
    expect(code).toBe(INIT_EXIT.shell);
    expect(sys.log.text()).toContain("info: the rescue shell was chosen");
  });

  test("menu-hidden with a console: the chooser gets the hidden menu and ukiboot's 1 s key window (nothing waited before it), and the default boots", async () => {
    const esp = espCopy({ "loader/loader.conf": "timeout menu-hidden\n" });
    const menu = scriptedChooser(boot("flow-2.efi", { unattended: true }));
    const r = await init({ esp, console: TERMINAL, chooser: menu.factory });
    expect(menu.requests[0]!.config.timeout).toBe("menu-hidden");
    expect(menu.requests[0]!.config.hiddenKeyWindowMs).toBe(HIDDEN_KEY_WINDOW_MS);
    expect(HIDDEN_KEY_WINDOW_MS).toBe(1000);
    expect(r.sys.kexec.loaded.map((p) => p.entryId)).toEqual(["flow-2.efi"]);
  });

  test("the key window counts from ukiboot's start: after a 250 ms wait for the ESP, 750 ms are left", async () => {
    const esp = espCopy({ "loader/loader.conf": "timeout menu-hidden\n" });
    const menu = scriptedChooser(boot("flow-2.efi", { unattended: true }));
    await init({ esp, console: TERMINAL, chooser: menu.factory, partitions: (ms) => (ms >= 250 ? [DISK] : []) });
    expect(menu.requests[0]!.config.hiddenKeyWindowMs).toBe(750);
  });

  test("an ESP found after the key window has passed still gets systemd-boot's 100 ms for a key", async () => {
    const esp = espCopy({ "loader/loader.conf": "timeout menu-hidden\n" });
    const menu = scriptedChooser(boot("flow-2.efi", { unattended: true }));
    await init({ esp, console: TERMINAL, chooser: menu.factory, cmdline: "ukiboot.wait=5", partitions: (ms) => (ms >= 2500 ? [DISK] : []) });
    expect(menu.requests[0]!.config.hiddenKeyWindowMs).toBe(MIN_HIDDEN_KEY_WINDOW_MS);
    expect(MIN_HIDDEN_KEY_WINDOW_MS).toBe(100);
  });

  test("hiddenKeyWindowLeft: what remains of 1 s, never under 100 ms", () => {
    expect([0, 1, 400, 899, 900, 1000, 60_000, -5].map(hiddenKeyWindowLeft)).toEqual([1000, 999, 600, 101, 100, 100, 100, 1000]);
  });

  test("menu-disabled with a console boots the default without showing the menu", async () => {
    const esp = espCopy({ "loader/loader.conf": "timeout menu-disabled\n" });
    const r = await init({ esp, console: TERMINAL, chooser: noMenu });
    expect(r.sys.kexec.loaded.map((p) => p.entryId)).toEqual(["flow-2.efi"]);
    expect(r.sys.kexec.execs).toBe(1);
  });

  test("ukiboot.entry= boots another entry once, and says so", async () => {
    const r = await init({ cmdline: "ukiboot.entry=flow-1.efi" });
    expect(r.log).toContain('info: default entry: "Flow OS 1" (flow-1.efi), chosen by ukiboot.entry');
    expect(r.sys.kexec.loaded.map((p) => p.entryId)).toEqual(["flow-1.efi"]);
  });

  test("ukiboot.entry= naming nothing is reported and the default boots", async () => {
    const r = await init({ cmdline: "ukiboot.entry=nope.efi" });
    expect(r.log).toContain("warn: Ignoring ukiboot.entry=nope.efi: it matches no entry");
    expect(r.sys.kexec.loaded.map((p) => p.entryId)).toEqual(["flow-2.efi"]);
  });

  test("ukiboot.dry-run prints the plan, loads nothing, unmounts and exits 0", async () => {
    const r = await init({ cmdline: "ukiboot.dry-run" });
    expect(r.out).toContain("entry:   flow-2.efi");
    expect(r.out).toContain("cmdline: root=flow v=2");
    expect(r.log).toContain("info: dry run (ukiboot.dry-run): not booting");
    expect(r.sys.kexec.loaded).toEqual([]);
    expect(r.sys.mounted.size).toBe(0);
    expect(r.code).toBe(INIT_EXIT.done);
  });

  test("an unknown ukiboot option is reported and the boot goes on", async () => {
    const r = await init({ cmdline: "ukiboot.colour=blue" });
    expect(r.log).toContain('warn: ignoring the unknown or invalid kernel option "ukiboot.colour=blue"');
    expect(r.sys.kexec.execs).toBe(1);
  });

  test("ukiboot.console= naming a console that cannot be opened falls back to every console", async () => {
    const { factory, given } = recordingChooser();
    const r = await init({ cmdline: "ukiboot.console=ttyS7", allConsoles: [SCREEN, SERIAL], chooser: factory });
    expect(r.log).toContain('warn: cannot use ukiboot.console=ttyS7: Cannot open "/dev/ttyS7": no such device; using every console');
    expect(given).toEqual([[SCREEN, SERIAL]]);
    expect(r.sys.kexec.loaded.map((p) => p.entryId)).toEqual(["flow-1.efi"]);
  });

  test("the menu goes to every console the kernel has (docs/menu.md §4), and ukiboot.console= narrows it to one", async () => {
    const all = recordingChooser();
    await init({ allConsoles: [SCREEN, SERIAL], chooser: all.factory });
    expect(all.given).toEqual([[SCREEN, SERIAL]]);
    const one = recordingChooser();
    await init({ cmdline: "ukiboot.console=ttyS1", allConsoles: [SCREEN, SERIAL], consoles: { ttyS1: SERIAL }, chooser: one.factory });
    expect(one.given).toEqual([[SERIAL]]);
  });

  test("inside a distribution's initramfs the menu stays on the console the hook was started on", async () => {
    const { factory, given } = recordingChooser();
    await init({ env: { hook: "dracut" }, console: SERIAL, allConsoles: [SCREEN, SERIAL], chooser: factory });
    expect(given).toEqual([[SERIAL]]);
  });

  test("no console that can take input: the default boots unattended, with no menu", async () => {
    const r = await init({ allConsoles: [] });
    expect(r.sys.kexec.loaded.map((p) => p.entryId)).toEqual(["flow-2.efi"]);
  });
});

describe("the exit codes the shim acts on", () => {
  test("the rescue shell chosen in the menu: 3", async () => {
    const r = await init({ console: TERMINAL, chooser: scriptedChooser({ kind: "shell", variables: {} }).factory });
    expect(r.code).toBe(INIT_EXIT.shell);
  });

  test("reboot and power off are carried out after unmounting; the code is 1 should the kernel refuse", async () => {
    const reboot = await init({ console: TERMINAL, chooser: scriptedChooser({ kind: "reboot", variables: {} }).factory });
    expect(reboot.sys.events).toEqual([`mount /dev/vda1 ${ESP_MOUNT}`, `release ${ESP_MOUNT}`, "reboot", "release"]);
    expect(reboot.code).toBe(INIT_EXIT.failed);
    const off = await init({ console: TERMINAL, chooser: scriptedChooser({ kind: "poweroff", variables: {} }).factory });
    expect(off.sys.events).toContain("power-off");
  });

  test("firmware setup sets OsIndications bit 0, then reboots", async () => {
    const dir = efivars();
    const r = await init({ efivarfs: dir, console: TERMINAL, chooser: scriptedChooser({ kind: "firmware-setup", variables: {} }).factory });
    expect([...readFileSync(join(dir, `OsIndications-${"8be4df61-93ca-11d2-aa0d-00e098032b8c"}`))]).toEqual([7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(r.sys.events).toContain("reboot");
  });

  test("inside a distribution's initramfs, a kernel started by kexec does not boot again: 0, nothing mounted", async () => {
    const r = await init({ env: { hook: "dracut" }, startedByKexec: true });
    expect(r.log).toContain("info: this kernel was started by kexec; not booting again (continuing with the dracut boot)");
    expect(r.code).toBe(INIT_EXIT.done);
    expect(r.sys.events).toEqual([]);
    expect(r.sys.log.closed).toBe(true);
  });

  test("inside a distribution's initramfs, a failure returns to its boot at once: 1, no countdown", async () => {
    const r = await init({ env: { hook: "initramfs-tools" }, partitions: [], cmdline: "ukiboot.wait=0" });
    expect(r.log).toContain("info: nothing could be booted; returning to the initramfs-tools boot");
    expect(r.sys.clock.slept).toEqual([]);
    expect(r.code).toBe(INIT_EXIT.failed);
  });
});

describe("boot counting (docs/efi-variables.md §5)", () => {
  /** loader.conf that lets a failed counted entry fall back instead of rebooting (docs/efi-variables.md §7). */
  const NO_REBOOT = { "loader/loader.conf": "reboot-on-error no\n" };

  test("a counted default that fails uses a try; the uncounted fallback boots and LoaderBootCountPath stays unset", async () => {
    const esp = espCopy(NO_REBOOT, { "EFI/Linux/flow-2.efi": "EFI/Linux/flow-2+3.efi" });
    const dir = efivars();
    const sys = fakeSys({ partitions: [DISK], devices: { "/dev/vda1": esp }, efivarfs: dir });
    sys.kexec.failures.set("flow-2.efi", "ENOEXEC");
    await runInit(sys, {}, noMenu, { write: () => true });
    expect(readdirSync(join(esp, "EFI/Linux"))).toContain("flow-2+2-1.efi");
    expect(sys.kexec.loaded.map((p) => p.entryId)).toEqual(["flow-1.efi"]);
    // systemd-bless-boot in the target must not mark flow-2 good: the variable names nothing.
    expect(variable(dir, "LoaderBootCountPath")).toBeNull();
  });

  test("a counted fallback after a failed counted default: LoaderBootCountPath names the fallback, which started", async () => {
    const esp = espCopy(NO_REBOOT, { "EFI/Linux/flow-2.efi": "EFI/Linux/flow-2+3.efi", "EFI/Linux/flow-1.efi": "EFI/Linux/flow-1+1.efi" });
    const dir = efivars();
    const sys = fakeSys({ partitions: [DISK], devices: { "/dev/vda1": esp }, efivarfs: dir });
    sys.kexec.failures.set("flow-2.efi", "ENOEXEC");
    await runInit(sys, {}, noMenu, { write: () => true });
    expect(
      readdirSync(join(esp, "EFI/Linux"))
        .filter((n) => n.startsWith("flow-"))
        .sort(),
    ).toEqual(["flow-1+0-1.efi", "flow-2+2-1.efi"]);
    expect(variable(dir, "LoaderBootCountPath")).toBe("\\EFI\\Linux\\flow-1+0-1.efi");
  });

  test("a retry from the menu after a failed counted boot finds the renamed file and uses another try", async () => {
    const esp = espCopy({ "loader/loader.conf": "timeout 5\nreboot-on-error no\n" }, { "EFI/Linux/flow-2.efi": "EFI/Linux/flow-2+3.efi" });
    const dir = efivars();
    const sys = fakeSys({ partitions: [DISK], devices: { "/dev/vda1": esp }, efivarfs: dir, console: TERMINAL });
    let tries = 0;
    sys.kexec.failWhen = (p) => (p.entryId === "flow-2.efi" && tries++ === 0 ? "ENOMEM" : undefined);
    const menu = scriptedChooser(boot("flow-2.efi"), boot("flow-2.efi"));
    await runInit(sys, {}, menu.factory, { write: () => true });
    expect(menu.requests[1]!.error?.message).toMatch(/Cannot load ".*flow-2\+2-1\.efi": kexec_file_load\(.*\) failed with ENOMEM/);
    expect(sys.kexec.loaded.at(-1)?.label).toBe(join(ESP_MOUNT, "EFI/Linux/flow-2+1-2.efi"));
    expect(readdirSync(join(esp, "EFI/Linux"))).toContain("flow-2+1-2.efi");
    expect(variable(dir, "LoaderBootCountPath")).toBe("\\EFI\\Linux\\flow-2+1-2.efi");
    // The menu showed the tries as they were after the first attempt.
    expect(menu.requests[0]!.entries.find((e) => e.id === "flow-2.efi")?.triesLeft).toBe(3);
  });
});

describe("a counter that cannot be renamed (docs/efi-variables.md §5)", () => {
  test.each(["EROFS", "ENOSPC"])("%s: the log names the file and the reason, the file keeps its name, the boot goes on uncounted", async (errno) => {
    const esp = espCopy({}, { "EFI/Linux/flow-2.efi": "EFI/Linux/flow-2+3.efi" });
    const dir = efivars();
    const sys = fakeSys({ partitions: [DISK], devices: { "/dev/vda1": esp }, efivarfs: dir, renameFails: errno });
    await runInit(sys, {}, noMenu, { write: () => true });
    expect(sys.log.text()).toContain(
      `warn: not counting this boot of flow-2.efi: Cannot rename the boot-counted entry "flow-2+3.efi" to "flow-2+2-1.efi": renameat2(`,
    );
    expect(sys.log.text()).toContain(`failed with ${errno}`);
    expect(readdirSync(join(esp, "EFI/Linux"))).toContain("flow-2+3.efi");
    expect(sys.kexec.loaded.map((p) => p.entryId)).toEqual(["flow-2.efi"]);
    // Not a counted boot: systemd-bless-boot must not bless or count anything.
    expect(variable(dir, "LoaderBootCountPath")).toBeNull();
  });
});

describe("loader.conf reboot-on-error (docs/efi-variables.md §7)", () => {
  test("auto, the default: a counted default with tries left that fails uses a try and reboots; nothing else is tried", async () => {
    const esp = espCopy({}, { "EFI/Linux/flow-2.efi": "EFI/Linux/flow-2+03.efi" });
    const dir = efivars();
    const sys = fakeSys({ partitions: [DISK], devices: { "/dev/vda1": esp }, efivarfs: dir });
    sys.kexec.failures.set("flow-2.efi", "ENOEXEC");
    await runInit(sys, {}, noMenu, { write: () => true });
    expect(readdirSync(join(esp, "EFI/Linux"))).toContain("flow-2+02-1.efi");
    expect(sys.kexec.loaded).toEqual([]);
    expect(sys.events).toContain("reboot");
    expect(variable(dir, "LoaderBootCountPath")).toBeNull();
    expect(sys.log.text()).toContain(
      "warn: rebooting: flow-2.efi failed to start and loader.conf's reboot-on-error is auto (a counted entry with tries left); the next boot starts from clean measurements with flow-2+02-1.efi",
    );
  });

  test("auto: a counted entry whose tries had run out uses a try but does not reboot (no reboot loop)", async () => {
    const esp = espCopy({}, { "EFI/Linux/flow-2.efi": "EFI/Linux/flow-2+0-3.efi" });
    const dir = efivars();
    const sys = fakeSys({ partitions: [DISK], devices: { "/dev/vda1": esp }, efivarfs: dir, cmdline: "ukiboot.entry=flow-2.efi" });
    sys.kexec.failures.set("flow-2.efi", "ENOEXEC");
    await runInit(sys, {}, noMenu, { write: () => true });
    expect(sys.events).not.toContain("reboot");
    expect(readdirSync(join(esp, "EFI/Linux"))).toContain("flow-2+0-4.efi");
    expect(sys.log.text()).toContain("failed with ENOEXEC");
  });

  test("auto: an uncounted entry that fails falls back; yes: it reboots", async () => {
    for (const [conf, reboots] of [
      ["", false],
      ["reboot-on-error yes\n", true],
    ] as const) {
      const esp = espCopy(conf ? { "loader/loader.conf": conf } : {}, {});
      const sys = fakeSys({ partitions: [DISK], devices: { "/dev/vda1": esp }, efivarfs: efivars() });
      sys.kexec.failures.set("flow-2.efi", "ENOEXEC");
      await runInit(sys, {}, noMenu, { write: () => true });
      expect(sys.events.includes("reboot")).toBe(reboots);
      expect(sys.kexec.loaded.map((p) => p.entryId)).toEqual(reboots ? [] : ["flow-1.efi"]);
    }
  });
});

describe("under enforce no shell is offered (docs/trust.md §6)", () => {
  const GLOBAL = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
  /** An efivarfs tree in which the firmware reports Secure Boot on. */
  function secureBootVars(): string {
    const dir = efivars();
    writeFileSync(join(dir, `SecureBoot-${GLOBAL}`), Uint8Array.from([6, 0, 0, 0, 1]));
    return dir;
  }

  test("Secure Boot on, no console, every UKI unsigned: each refusal is said, then the machine powers off; no shell", async () => {
    const r = await init({ efivarfs: secureBootVars() });
    expect(r.log).toMatch(/error: Cannot boot ".*flow-2\.efi": /);
    expect(r.log).toContain("info: nothing could be booted, and signatures are enforced, so no shell is offered; powering off in 10 s");
    expect(r.log).not.toContain("rescue shell");
    expect(r.sys.clock.slept.at(-1)).toBe(10_000);
    expect(r.sys.events).toContain("power-off");
    expect(r.code).toBe(INIT_EXIT.noShell);
    expect(r.sys.kexec.loaded).toEqual([]);
  });

  test("Secure Boot on, with a console: the menu opens on the error with every entry marked refused and no Rescue Shell", async () => {
    const menu = scriptedChooser({ kind: "poweroff", variables: {} });
    const r = await init({ efivarfs: secureBootVars(), console: TERMINAL, chooser: menu.factory, cmdline: "" });
    const shown = menu.requests[0]!;
    expect(shown.config.actions?.shell).toBe(false);
    expect(shown.entries.map((e) => e.tags)).toEqual([["refused"], ["refused"]]);
    expect(r.sys.events).toContain("power-off");
    expect(r.sys.kexec.loaded).toEqual([]);
  });

  test("an EFI boot where nothing says whether Secure Boot is on (no efivarfs, no boot_params) fails closed: enforce, no shell, and why", async () => {
    const r = await init({ efi: true, cmdline: "ukiboot.verify=warn" });
    expect(r.log).toContain(
      "warn: Secure Boot is taken to be on: this is an EFI boot, but the kernel shows no boot_params.secure_boot and the SecureBoot variable cannot be read",
    );
    expect(r.log).toContain("info: signatures: enforce because Secure Boot is taken to be on (nothing says whether it is)");
    expect(r.log).toContain("warn: Ignoring ukiboot.verify=warn: Secure Boot is taken to be on (nothing says whether it is), so signatures are enforced");
    expect(r.sys.kexec.loaded).toEqual([]);
    expect(r.code).toBe(INIT_EXIT.noShell);
  });

  test("x86's boot_params answers for the kernel: disabled keeps warn without efivarfs; enabled against a SecureBoot variable that says off enforces", async () => {
    const params = (value: number) => Object.assign(new Uint8Array(4096), { [0x1ec]: value });
    const off = await init({ efi: true, bootParams: params(2) });
    expect(off.log).toContain("info: signatures: warn because Secure Boot is off and the kernel is not locked down");
    expect(off.sys.kexec.loaded.map((p) => p.entryId)).toEqual(["flow-2.efi"]);
    const vars = efivars();
    writeFileSync(join(vars, `SecureBoot-${GLOBAL}`), Uint8Array.from([6, 0, 0, 0, 0]));
    const disagree = await init({ efi: true, bootParams: params(3), efivarfs: vars });
    expect(disagree.log).toContain(
      "warn: Secure Boot is taken to be on: boot_params.secure_boot says enabled but the SecureBoot variable says off, and when the firmware's answers disagree signatures rule the boot",
    );
    expect(disagree.sys.kexec.loaded).toEqual([]);
    expect(disagree.code).toBe(INIT_EXIT.noShell);
  });

  test("ukiboot.verify=enforce without Secure Boot is enough to take the shell away; warn keeps it", async () => {
    const enforced = await init({ cmdline: "ukiboot.verify=enforce", partitions: [], efivarfs: efivars() });
    expect(enforced.code).toBe(INIT_EXIT.noShell);
    const warned = await init({ cmdline: "ukiboot.verify=warn ukiboot.wait=1", partitions: [] });
    expect(warned.code).toBe(INIT_EXIT.failed);
    expect(warned.log).toContain("starting the rescue shell in 5 s");
  });
});

describe("ukiboot.debug lists /proc/modules before the boot decides (docs/boot-time.md §4)", () => {
  const DUMP = `debug: ${PROC_MODULES_DEBUG}`;
  const dumps = (log: string) => log.split("\n").filter((l) => l.startsWith(DUMP));

  test("with ukiboot.debug: one line with the kernel's list, not ukiboot's, after the ESP is found and before the boot", async () => {
    // ukiboot loaded ahci and vfat; the kernel lists more (loaded by someone else): the line shows the kernel's.
    const r = await init({
      cmdline: "ukiboot.debug",
      modulesLoaded: (ms) => (ms === 0 ? ["ahci", "vfat"] : []),
      procModules: () => ["sd_mod", "ahci", "fat", "vfat"],
    });
    expect(r.log).toContain("info: loaded modules: ahci vfat");
    expect(dumps(r.log)).toEqual([`${DUMP} sd_mod ahci fat vfat`]);
    const lines = r.log.split("\n");
    const at = lines.indexOf(`${DUMP} sd_mod ahci fat vfat`);
    expect(at).toBeGreaterThan(lines.findIndex((l) => l.startsWith("info: using ESP /dev/vda1")));
    expect(at).toBeLessThan(lines.indexOf('info: booting "Flow OS 2" (flow-2.efi), chosen by first'));
    expect(r.sys.kexec.execs).toBe(1);
  });

  test("by default the fake kernel lists what ukiboot loaded; a dry run gets the line too", async () => {
    const r = await init({ cmdline: "ukiboot.debug ukiboot.dry-run", modulesLoaded: (ms) => (ms === 0 ? ["virtio_blk", "vfat"] : []) });
    expect(dumps(r.log)).toEqual([`${DUMP} virtio_blk vfat`]);
    expect(r.code).toBe(INIT_EXIT.done);
  });

  test("without ukiboot.debug, or with ukiboot.debug=0, there is no such line and /proc/modules is not read", async () => {
    for (const cmdline of ["", "ukiboot.debug=0"]) {
      let reads = 0;
      const r = await init({ cmdline, modulesLoaded: () => ["ahci"], procModules: () => (reads++, ["ahci"]) });
      expect(r.log).not.toContain("/proc/modules");
      expect(reads).toBe(0);
      expect(r.sys.kexec.execs).toBe(1);
    }
  });

  test("nothing listed, an unreadable file and a file in another format each say so in parentheses, and the boot goes on", async () => {
    const none = await init({ cmdline: "ukiboot.debug", procModules: () => [] });
    expect(dumps(none.log)).toEqual([`${DUMP} (none)`]);
    const unreadable = await init({ cmdline: "ukiboot.debug", procModules: () => null });
    expect(dumps(unreadable.log)).toEqual([`${DUMP} (unreadable)`]);
    const garbled = await init({ cmdline: "ukiboot.debug", procModules: () => parseProcModules("not a module line\n", "/proc/modules") });
    expect(dumps(garbled.log)).toEqual([
      `${DUMP} (unreadable: Cannot read /proc/modules: line 1 ("not a module line") is not "name size refcount deps state address")`,
    ]);
    for (const r of [none, unreadable, garbled]) expect(r.sys.kexec.execs).toBe(1);
  });
});
