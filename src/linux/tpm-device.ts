/**
 * The TPM 2.0 resource manager device: one command written, one response read, as the kernel's
 * /dev/tpmrm0 protocol wants (the response is complete in one read, at most 4096 bytes).
 */
import { closeSync, existsSync, openSync, readSync, writeSync } from "node:fs";
import type { TpmTransport } from "../tpm/tpm2-client.ts";

export const TPM_DEVICE = "/dev/tpmrm0";
const RESPONSE_MAX = 4096;

/** One command written to `fd` and its response read. */
function exchange(fd: number, path: string, command: Uint8Array): Uint8Array {
  const n = writeSync(fd, command);
  if (n !== command.byteLength) throw new Error(`Cannot send a TPM command to ${path}: wrote ${n} of ${command.byteLength} bytes`);
  const buf = new Uint8Array(RESPONSE_MAX);
  const got = readSync(fd, buf, 0, RESPONSE_MAX, null);
  return buf.subarray(0, got);
}

export function openTpmDevice(path = TPM_DEVICE): TpmTransport | null {
  if (!existsSync(path)) return null;
  return async (command) => {
    const fd = openSync(path, "r+");
    try {
      return exchange(fd, path, command);
    } finally {
      closeSync(fd);
    }
  };
}

/**
 * One connection to the resource manager for a sequence of commands whose handles must live from one command
 * to the next (a sealed object, a policy session): /dev/tpmrm0 flushes a connection's handles when it closes.
 */
export function connectTpmDevice(path = TPM_DEVICE): { transport: TpmTransport; close(): void } | null {
  if (!existsSync(path)) return null;
  const fd = openSync(path, "r+");
  let open = true;
  return {
    async transport(command) {
      if (!open) throw new Error(`Cannot send a TPM command to ${path}: the connection was closed`);
      return exchange(fd, path, command);
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
