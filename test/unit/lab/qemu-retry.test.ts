/**
 * The QEMU runner runs a failed scenario again only for a fault it recognises in the emulator's part of the
 * boot (the first kernel before ukiboot starts, and QEMU itself), and says why.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LAB_CACHE } from "../../lab/build-once.ts";
import { faultWindow, infrastructureFault, qemuArgs, recoveredRuntimeCrash, Vm, type VmRetry, withVmRetry } from "../../lab/qemu.ts";

/** A VM double: its console output, QEMU's own messages and how its process ended. */
function vmWith(output: string, opts: { signalCode?: string | null; qemuMessages?: string } = {}): Vm {
  const vm = Object.create(Vm.prototype) as Vm;
  const qemuMessages = opts.qemuMessages ?? "";
  Object.assign(vm, {
    output: output + qemuMessages,
    qemuMessages,
    killed: false,
    proc: { signalCode: opts.signalCode ?? null, kill() {} },
    exited: Promise.resolve(0),
    dir: "/nonexistent",
  });
  vm.kill = async () => {
    vm.killed = true;
  };
  return vm;
}

const BOOT_KERNEL = "[    0.000000] Linux version 6.12.57+deb13-cloud-amd64 (debian-kernel@lists.debian.org)\n[    1.0] Run /init as init process\n";
const UKIBOOT = "ukiboot: started (pid 1)\nukiboot: using ESP /dev/nvme0n1p1\nukiboot: kexec: starting the new kernel\n";
const TARGET = "[    0.000000] Linux version 6.12.57+deb13-cloud-amd64 (debian-kernel@lists.debian.org)\n";

describe("faultWindow()", () => {
  test("ends at ukiboot's first line, from the shim or the binary, with or without a kernel timestamp", () => {
    expect(faultWindow(`${BOOT_KERNEL}${UKIBOOT}${TARGET}`)).toBe(BOOT_KERNEL);
    expect(faultWindow(`${BOOT_KERNEL}[    2.5] ukiboot: started\n`)).toBe(BOOT_KERNEL);
  });

  test("ends at the second kernel's banner when ukiboot never printed (a reference boot)", () => {
    expect(faultWindow(`${BOOT_KERNEL}EFI stub: Measured initrd\n${TARGET}panic\n`)).toBe(`${BOOT_KERNEL}EFI stub: Measured initrd\n`);
  });

  test("is the whole console when only one kernel ran and ukiboot never started", () => {
    expect(faultWindow(BOOT_KERNEL)).toBe(BOOT_KERNEL);
  });
});

describe("infrastructureFault()", () => {
  test("a TCG double fault or general protection fault in the boot kernel is the emulator's", () => {
    expect(infrastructureFault(vmWith(`${BOOT_KERNEL}[    1.2] traps: double fault: 0000 [#1] SMP\n`))).toBe(
      `an emulator fault on the boot kernel's console ("double fault")`,
    );
    expect(infrastructureFault(vmWith(`${BOOT_KERNEL}general protection fault, probably for non-canonical address\n`))).toStartWith("an emulator fault");
    expect(infrastructureFault(vmWith(`${BOOT_KERNEL}[    1.3] Kernel panic - not syncing: Fatal exception\n`))).toStartWith("an emulator fault");
  });

  test("a TPM command that timed out in the guest (swtpm not scheduled in time) is the machine's, wherever it comes", () => {
    const journal =
      "LAB-JOURNAL systemd-pcrphase-sysinit.service ERROR:tcti:src/tss2-tcti/tcti-device.c:198:tcti_device_receive() Failed to get response size fd 4, got errno 62: Timer expired\n";
    expect(infrastructureFault(vmWith(`${BOOT_KERNEL}${UKIBOOT}${TARGET}${journal}`))).toBe(
      'the software TPM did not answer in time ("tcti_device_receive() Failed to get response size fd 4, got errno 62: Timer expired")',
    );
    expect(infrastructureFault(vmWith(`${BOOT_KERNEL}[   61.2] tpm tpm0: tpm_try_transmit: send(): error -62\n`))).toStartWith(
      "the software TPM did not answer",
    );
    // Any other TPM error stays the scenario's.
    expect(infrastructureFault(vmWith(`${BOOT_KERNEL}${UKIBOOT}${TARGET}Failed to create TPM2 context: State not recoverable\n`))).toBeNull();
  });

  test("QEMU killed by a signal, or QEMU asserting, is the emulator's", () => {
    expect(infrastructureFault(vmWith(BOOT_KERNEL, { signalCode: "SIGSEGV" }))).toBe("QEMU was killed by SIGSEGV");
    expect(
      infrastructureFault(
        vmWith(`${BOOT_KERNEL}${UKIBOOT}${TARGET}`, { qemuMessages: "qemu-system-x86_64: ../tcg/tcg.c:123: tcg_gen_code: Assertion `x' failed.\n" }),
      ),
    ).toStartWith("QEMU crashed");
  });

  test("a panic of the target kernel (a wrong root= or initrd from ukiboot) is the scenario's failure", () => {
    const console = `${BOOT_KERNEL}${UKIBOOT}${TARGET}[    2.1] VFS: Cannot open root device "/dev/nonexistent" or unknown-block(0,0)\n[    2.1] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n`;
    expect(infrastructureFault(vmWith(console))).toBeNull();
    expect(infrastructureFault(vmWith(`${BOOT_KERNEL}${UKIBOOT}${TARGET}Kernel panic - not syncing: No working init found.\n`))).toBeNull();
  });

  test("anything after ukiboot started is the scenario's, even a fault signature", () => {
    expect(infrastructureFault(vmWith(`${BOOT_KERNEL}${UKIBOOT}[    9.0] traps: bun[1] general protection fault ip:42\n`))).toBeNull();
    expect(infrastructureFault(vmWith(`${BOOT_KERNEL}${UKIBOOT}[    9.0] double fault: 0000 [#1]\n`))).toBeNull();
  });

  test("a userspace general protection fault on the Debian target is the scenario's", () => {
    expect(
      infrastructureFault(vmWith(`${BOOT_KERNEL}${UKIBOOT}${TARGET}[   30.2] traps: systemd[1] general protection fault ip:7f0 sp:7ff error:0\n`)),
    ).toBeNull();
  });

  test("a boot kernel whose initramfs has no working init is the image's failure, not the emulator's", () => {
    expect(infrastructureFault(vmWith(`${BOOT_KERNEL}Kernel panic - not syncing: No working init found.  Try passing init= option to kernel.\n`))).toBeNull();
    expect(infrastructureFault(vmWith(`${BOOT_KERNEL}Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n`))).toBeNull();
    expect(infrastructureFault(vmWith(`${BOOT_KERNEL}Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n`))).toBeNull();
  });

  test("a plain timeout is the scenario's", () => {
    expect(infrastructureFault(vmWith(`${BOOT_KERNEL}ukiboot: started\nukiboot: waiting for the ESP to appear (3 s left)\n`))).toBeNull();
  });

  test("the crash a kdump scenario causes on purpose, in the target, is not a fault", () => {
    expect(infrastructureFault(vmWith(`${BOOT_KERNEL}${UKIBOOT}${TARGET}[  80.1] Kernel panic - not syncing: sysrq triggered crash\n`))).toBeNull();
  });
});

describe("withVmRetry()", () => {
  test("a timeout is not retried: the scenario runs once and its error stands", async () => {
    let made = 0;
    const logs: string[] = [];
    const retries: VmRetry[] = [];
    const err = await withVmRetry(
      () => (made++, vmWith(`${BOOT_KERNEL}ukiboot: started\n`)),
      async () => {
        throw new Error("No /UKIBOOT-TARGET/ on the serial console within 300 s");
      },
      { log: (s) => logs.push(s), onRetry: (r) => retries.push(r) },
    ).catch((e: Error) => e);
    expect(made).toBe(1);
    expect((err as Error).message).toBe("No /UKIBOOT-TARGET/ on the serial console within 300 s");
    expect(logs).toEqual([]);
    expect(retries).toEqual([]);
  });

  test("a target panicking on root=/dev/nonexistent fails at once, with no second boot", async () => {
    let made = 0;
    const panic = `${BOOT_KERNEL}${UKIBOOT}${TARGET}Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n`;
    const err = await withVmRetry(
      () => (made++, vmWith(panic)),
      async () => {
        throw new Error("No /UKIBOOT-TARGET-END/ on the serial console within 240 s");
      },
    ).catch((e: Error) => e);
    expect(made).toBe(1);
    expect((err as Error).message).toStartWith("No /UKIBOOT-TARGET-END/");
  });

  test("a recognised fault is retried once on a new VM, printed with its reason and reported", async () => {
    const vms = [vmWith(`${BOOT_KERNEL}general protection fault, probably for non-canonical address\n`), vmWith(`${BOOT_KERNEL}${UKIBOOT}UKIBOOT-TARGET ok\n`)];
    const logs: string[] = [];
    const retries: VmRetry[] = [];
    const result = await withVmRetry(
      () => vms.shift()!,
      async (vm) => {
        if (!vm.output.includes("ok")) throw new Error("the guest faulted\nmore");
        return "booted";
      },
      { log: (s) => logs.push(s), onRetry: (r) => retries.push(r) },
    );
    expect(result).toBe("booted");
    expect(logs[0]).toStartWith(
      `QEMU attempt 1 failed with an emulator fault on the boot kernel's console ("general protection fault"); retrying once on a new VM.`,
    );
    expect(retries).toEqual([{ signature: `an emulator fault on the boot kernel's console ("general protection fault")`, error: "the guest faulted" }]);
  });

  const BUN_CRASH =
    "Loading Target OS zboot-2.0\n====\nBun v1.4.5 (a7733435c) Linux arm64\npanic(main thread): Segmentation fault at address 0xE240000B12064\noh no: Bun has crashed. This indicates a bug in Bun, not your code.\nukiboot: exited with status 139: killed by signal 11\n";

  test("a scenario that passed after the shim ran a crashed ukiboot once more counts as retried, with the runtime's words", async () => {
    const retries: VmRetry[] = [];
    const logs: string[] = [];
    const result = await withVmRetry(
      () =>
        vmWith(
          `${BOOT_KERNEL}${UKIBOOT}${BUN_CRASH}ukiboot: running ukiboot once more, since a crash need not happen twice\n${UKIBOOT}${TARGET}UKIBOOT-TARGET-END\n`,
        ),
      async () => "booted",
      { log: (s) => logs.push(s), onRetry: (r) => retries.push(r) },
    );
    expect(result).toBe("booted");
    expect(retries).toEqual([
      {
        signature: "the Bun runtime crashed in the guest (Segmentation fault at address 0xE240000B12064) and the shim ran ukiboot once more",
        error: "none: the scenario passed after the second run",
      },
    ]);
    expect(logs).toHaveLength(1);
  });

  test("a ukiboot killed on purpose (no runtime report) and run again is the scenario's business, not a retry", async () => {
    const retries: VmRetry[] = [];
    await withVmRetry(
      () =>
        vmWith(`${BOOT_KERNEL}ukiboot: exited with status 139: killed by signal 11\nukiboot: running ukiboot once more, since a crash need not happen twice\n`),
      async () => "ok",
      { onRetry: (r) => retries.push(r) },
    );
    expect(retries).toEqual([]);
  });

  test("a runtime crash with no second run (an old shim) is not reported as recovered", () => {
    expect(recoveredRuntimeCrash(`${BOOT_KERNEL}${UKIBOOT}${BUN_CRASH}ukiboot: starting a rescue shell\n`)).toBeNull();
  });

  test("a fault on the second attempt too fails, naming both", async () => {
    const fault = `${BOOT_KERNEL}double fault: 0000\n`;
    const err = await withVmRetry(
      () => vmWith(fault),
      async () => {
        throw new Error("the guest faulted");
      },
    ).catch((e: Error) => e);
    expect((err as Error).message).toBe("the guest faulted\n(first attempt also failed: the guest faulted)");
  });
});

describe("qemuArgs()", () => {
  test("a cached fixture's disk is booted with snapshot=on, so no boot writes it; a scenario's own copy is written", () => {
    const args = qemuArgs(
      {
        disks: [
          { path: join(LAB_CACHE, "esp-demo-0123456789abcdef", "disk.img"), iface: "nvme" },
          { path: "/tmp/ukiboot-copy/disk.img", iface: "nvme" },
        ],
      },
      mkdtempSync(join(tmpdir(), "vm-")),
    );
    const drives = args.filter((a) => a.startsWith("if=none,"));
    expect(drives).toEqual([
      `if=none,id=disk0,format=raw,file=${join(LAB_CACHE, "esp-demo-0123456789abcdef", "disk.img")},snapshot=on`,
      "if=none,id=disk1,format=raw,file=/tmp/ukiboot-copy/disk.img",
    ]);
  });
});

describe("a firmware that stalls after its banner", () => {
  const banner = "UEFI firmware (version  built at 13:10:49 on Nov  5 2024)\n";
  test("banner, screen clears and nothing else: the emulator's fault", () => {
    expect(infrastructureFault(vmWith(`${banner}\x1b[2J\x1b[01;01H\x1b[=3h\x1b[2J\x1b[01;01H\n`))).toBe(
      "the firmware stopped after its banner and started nothing",
    );
  });
  test("a firmware that says why it could not boot, or a kernel that started, is the scenario's", () => {
    expect(infrastructureFault(vmWith(`${banner}BdsDxe: failed to load Boot0001 "UEFI Misc Device" from VenHw(…): Not Found\n`))).toBeNull();
    expect(infrastructureFault(vmWith(`${banner}EFI stub: Booting Linux Kernel...\n`))).toBeNull();
  });
});

/** A Vm over a console the test writes, line by line; QEMU never exits. Its waits' grace and stall limits are short. */
function liveVm(): { vm: Vm; say: (line: string) => void } {
  let push: (s: string) => void = () => {};
  const stdout = new ReadableStream<Uint8Array>({
    start(c) {
      push = (s) => c.enqueue(new TextEncoder().encode(s));
    },
  });
  const vm = new Vm({ stdout, stderr: null, exited: new Promise<number>(() => {}), signalCode: null, kill() {} } as never, "/nonexistent", []);
  vm.gaveUpGraceMs = 50;
  vm.firmwareStallMs = 100;
  return { vm, say: (line) => push(`${line}\n`) };
}

describe("Vm.expect() after the shim gave up", () => {
  test("a wait for the target ends soon after the rescue shell starts, saying so, not at its deadline", async () => {
    const { vm, say } = liveVm();
    const waiting = vm.expect(/UKIBOOT-TARGET-END/, 600_000).catch((e: Error) => e);
    say("ukiboot: exited with status 139: killed by signal 11");
    say("ukiboot: starting a rescue shell; type 'exit' to run ukiboot again, 'poweroff -f' to power off.");
    const err = (await waiting) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toStartWith(`No /UKIBOOT-TARGET-END/ on the serial console: the shim gave up on booting ("ukiboot: starting a rescue shell`);
  });

  test("waiting for the rescue shell itself, or for what a shell typed before the wait prints, is not cut short", async () => {
    const { vm, say } = liveVm();
    const shell = vm.expect(/starting a rescue shell/, 1000);
    say("ukiboot: starting a rescue shell; type 'exit' to run ukiboot again, 'poweroff -f' to power off.");
    expect((await shell)[0]).toBe("starting a rescue shell");
    const typed = vm.expect(/RESCUE-42/, 1000);
    await Bun.sleep(100);
    say("RESCUE-42");
    expect((await typed)[0]).toBe("RESCUE-42");
  });

  test("a pattern that comes within the grace after the shim's line still matches", async () => {
    const { vm, say } = liveVm();
    vm.gaveUpGraceMs = 500;
    const waiting = vm.expect(/The rescue shell is not available\./, 5000);
    say("ukiboot: powering off");
    await Bun.sleep(50);
    say("The rescue shell is not available.");
    expect((await waiting)[0]).toBe("The rescue shell is not available.");
  });
});

describe("Vm.expect() on a firmware that stalls", () => {
  test("a banner and then silence ends the wait early, and the retry rule recognises it", async () => {
    const { vm, say } = liveVm();
    const waiting = vm.expect(/UKIBOOT-TARGET-END/, 600_000).catch((e: Error) => e);
    say("UEFI firmware (version  built at 13:10:49 on Nov  5 2024)");
    say("\x1b[2J\x1b[01;01H\x1b[=3h");
    const err = (await waiting) as Error;
    expect(err.message).toStartWith("No /UKIBOOT-TARGET-END/ on the serial console: the firmware printed its banner and nothing more for 0.1 s");
    expect(infrastructureFault(vm)).toBe("the firmware stopped after its banner and started nothing");
  });

  test("a firmware that goes on printing is waited for", async () => {
    const { vm, say } = liveVm();
    const waiting = vm.expect(/UKIBOOT-TARGET-END/, 2000);
    say("UEFI firmware (version  built at 13:10:49 on Nov  5 2024)");
    await Bun.sleep(50);
    say("BdsDxe: loading Boot0001");
    await Bun.sleep(300);
    say("UKIBOOT-TARGET-END");
    expect((await waiting)[0]).toBe("UKIBOOT-TARGET-END");
  });
});
