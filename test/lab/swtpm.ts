/**
 * A throwaway software TPM for tests: `swtpm socket --tpm2` on free TCP ports with a fresh state
 * directory, and a transport that writes raw TPM commands to its server port and reads one response.
 * Every wait has a deadline so a hung emulator fails the test instead of hanging it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { TpmTransport } from "../../src/tpm/tpm2-client.ts";

export interface SwTpm {
  port: number;
  transport: TpmTransport;
  /** Closes ukiboot's connection so another client (tpm2-tools) can connect; the transport is unusable after. */
  disconnect(): void;
  stop(): Promise<void>;
}

async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`swtpm: ${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export async function startSwTpm(): Promise<SwTpm> {
  const state = mkdtempSync(join(tmpdir(), "ukiboot-swtpm-"));
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const proc: Subprocess = Bun.spawn(
      [
        "swtpm",
        "socket",
        "--tpm2",
        "--server",
        `type=tcp,port=${port},bindaddr=127.0.0.1`,
        "--ctrl",
        `type=tcp,port=${port + 1},bindaddr=127.0.0.1`,
        "--flags",
        "not-need-init,startup-clear",
        "--tpmstate",
        `dir=${state}`,
      ],
      { stdout: "ignore", stderr: "pipe" },
    );
    const socket = await connect(port, 3000).catch(() => undefined);
    if (!socket) {
      proc.kill();
      await proc.exited;
      continue;
    }
    return {
      port,
      transport: socket.transport,
      disconnect: () => socket.close(),
      async stop() {
        socket.close();
        proc.kill();
        await withDeadline(proc.exited, 3000, "exit");
        rmSync(state, { recursive: true, force: true });
      },
    };
  }
  rmSync(state, { recursive: true, force: true });
  throw new Error("swtpm: could not start on a free port");
}

/** Connects (retrying until swtpm listens) and returns a one-command-at-a-time transport. */
async function connect(port: number, ms: number): Promise<{ transport: TpmTransport; close(): void }> {
  const until = Date.now() + ms;
  let buffered = new Uint8Array(0);
  let wake: (() => void) | undefined;
  for (;;) {
    try {
      const socket = await Bun.connect({
        hostname: "127.0.0.1",
        port,
        socket: {
          data(_s, chunk) {
            buffered = new Uint8Array([...buffered, ...chunk]);
            wake?.();
          },
        },
      });
      const transport: TpmTransport = async (command) => {
        buffered = new Uint8Array(0);
        socket.write(command);
        const read = async () => {
          for (;;) {
            if (buffered.length >= 10) {
              const size = new DataView(buffered.buffer, buffered.byteOffset).getUint32(2);
              if (buffered.length >= size) return buffered.slice(0, size);
            }
            await new Promise<void>((resolve) => (wake = resolve));
          }
        };
        return withDeadline(read(), 5000, "a TPM response");
      };
      return { transport, close: () => socket.end() };
    } catch (e) {
      if (Date.now() > until) throw e;
      await Bun.sleep(50);
    }
  }
}
