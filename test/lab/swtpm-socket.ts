/**
 * A software TPM for QEMU guests: `swtpm socket --tpm2` with a fresh state directory and a unix control
 * socket, the "emulator" TPM backend that test/lab/qemu.ts wires with `tpmSocket`. A fresh state means
 * every PCR of the guest starts from zero (the firmware's TPM2_Startup(CLEAR) resets them anyway).
 *
 * Started synchronously, so a VmOptions factory (runScenario's retry makes a new VM, and needs a new TPM)
 * can start one; stopped through the returned handle.
 *
 * The guest's TPM driver gives a command 200 ms (TIS timeout C) before it fails with ETIME, and while two
 * TCG guests keep both cores busy and the other lane copies a 2 GiB disk, swtpm has missed that. So its
 * state lives in memory (/dev/shm: no write of the state file waits on the disk), and it runs at a higher
 * priority than the guests (nice -10, as root; otherwise nice warns and runs it as it is).
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

export interface QemuSwtpm {
  /** The control socket, for VmOptions.tpmSocket. */
  socket: string;
  stop(): Promise<void>;
  /** Stops the TPM and keeps its state in `to` (replacing what is there), for a later start with `stateFrom`: the machine's next boot. */
  saveState(to: string): Promise<void>;
}

/**
 * Starts swtpm and waits (at most `timeoutMs`) for its control socket to appear. `stateFrom`: start from a
 * copy of this state directory (a TPM that already holds a sealed key) instead of a new TPM.
 */
export function startQemuSwtpm(timeoutMs = 5000, opts: { stateFrom?: string } = {}): QemuSwtpm {
  const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "ukiboot-swtpm-qemu-"));
  if (opts.stateFrom) cpSync(opts.stateFrom, dir, { recursive: true });
  const socket = join(dir, "swtpm-sock");
  const proc: Subprocess = Bun.spawn(["nice", "-n", "-10", "swtpm", "socket", "--tpm2", "--tpmstate", `dir=${dir}`, "--ctrl", `type=unixio,path=${socket}`], {
    stdout: "ignore",
    stderr: "ignore",
  });
  const stop = async () => {
    proc.kill();
    await proc.exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const until = Date.now() + timeoutMs;
  while (!existsSync(socket)) {
    if (proc.exitCode !== null || Date.now() > until) {
      void stop();
      throw new Error(
        `Cannot start swtpm: its control socket ${socket} did not appear within ${timeoutMs} ms (exit code ${proc.exitCode ?? "none, still running"})`,
      );
    }
    Bun.sleepSync(20);
  }
  const saveState = async (to: string) => {
    proc.kill();
    await proc.exited;
    rmSync(to, { recursive: true, force: true });
    cpSync(dir, to, { recursive: true, filter: (f) => f !== socket });
    await stop();
  };
  return { socket, stop, saveState };
}

/**
 * A machine's TPM across its boots: each start begins from the state the last kept boot left (a retried start
 * gets its own fresh copy of it), and keep() saves the state of the TPM the last start used.
 */
export class KeptTpm {
  private state: string | undefined;
  private readonly started: QemuSwtpm[] = [];

  /** `dir`: where the kept state lives between boots. */
  constructor(private readonly dir: string) {}

  /** For a VmOptions factory: a TPM for this start, and its control socket. */
  start(): string {
    const tpm = startQemuSwtpm(5000, this.state ? { stateFrom: this.state } : {});
    this.started.push(tpm);
    return tpm.socket;
  }

  /** After a boot that counts: its TPM's state is the machine's from now on. */
  async keep(): Promise<void> {
    const last = this.started.pop();
    if (last) {
      this.state = join(this.dir, "tpm-state");
      await last.saveState(this.state);
    }
    await this.discard();
  }

  /** Stops the TPMs of starts that do not count (a failed boot, a retried start). */
  async discard(): Promise<void> {
    for (const t of this.started.splice(0)) await t.stop();
  }
}
