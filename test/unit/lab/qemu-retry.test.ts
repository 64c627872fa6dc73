/** The QEMU runner runs a failed scenario again only for a fault it recognises, and says why. */
import { expect, test } from "bun:test";
import { infrastructureFault, Vm, withVmRetry } from "../../lab/qemu.ts";

/** A VM double: its console output and how its process ended; the runner's other calls are harmless. */
function vmWith(output: string, signalCode: string | null = null): Vm {
  const vm = Object.create(Vm.prototype) as Vm;
  Object.assign(vm, { output, killed: false, proc: { signalCode, kill() {} }, exited: Promise.resolve(0), dir: "/nonexistent" });
  vm.kill = async () => {
    vm.killed = true;
  };
  return vm;
}

test("a TCG double fault, a QEMU killed by a signal and a QEMU assertion are infrastructure faults", () => {
  expect(infrastructureFault(vmWith("[    1.2] traps: double fault: 0000 [#1] SMP\n"))).toBe('an emulator fault on the console ("double fault")');
  expect(infrastructureFault(vmWith("", "SIGSEGV"))).toBe("QEMU was killed by SIGSEGV");
  expect(infrastructureFault(vmWith("qemu-system-x86_64: ../tcg/tcg.c:123: tcg_gen_code: Assertion `x' failed.\n"))).toStartWith("QEMU crashed");
});

test("a plain timeout or a wrong answer is the scenario's own failure", () => {
  expect(infrastructureFault(vmWith("ukiboot: started\nukiboot: waiting for the ESP to appear (3 s left)\n"))).toBeNull();
  expect(infrastructureFault(vmWith("Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n"))).toBeNull();
  // The kdump scenarios panic the target on purpose; a panic in the boot kernel is still a fault.
  expect(infrastructureFault(vmWith("[  80.1] Kernel panic - not syncing: sysrq triggered crash\n"))).toBeNull();
  expect(infrastructureFault(vmWith("[   0.9] Kernel panic - not syncing: VFS: Unable to mount root fs\n"))).toStartWith("an emulator fault");
});

test("a timeout is not retried: the scenario runs once and its error stands", async () => {
  let made = 0;
  const logs: string[] = [];
  const err = await withVmRetry(
    () => (made++, vmWith("ukiboot: started\n")),
    async () => {
      throw new Error("No /UKIBOOT-TARGET/ on the serial console within 300 s");
    },
    { log: (s) => logs.push(s) },
  ).catch((e: Error) => e);
  expect(made).toBe(1);
  expect((err as Error).message).toBe("No /UKIBOOT-TARGET/ on the serial console within 300 s");
  expect(logs).toEqual([]);
});

test("a recognised fault is retried once on a new VM, and the retry is printed with its reason", async () => {
  const vms = [vmWith("general protection fault, probably for non-canonical address\n"), vmWith("UKIBOOT-TARGET ok\n")];
  const logs: string[] = [];
  const result = await withVmRetry(
    () => vms.shift()!,
    async (vm) => {
      if (!vm.output.includes("ok")) throw new Error("the guest faulted");
      return "booted";
    },
    { log: (s) => logs.push(s) },
  );
  expect(result).toBe("booted");
  expect(logs[0]).toStartWith('QEMU attempt 1 failed with an emulator fault on the console ("general protection fault"); retrying once on a new VM.');
});
