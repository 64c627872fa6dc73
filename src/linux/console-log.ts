/**
 * Log lines for the console (stderr) and, when writable, the kernel log (/dev/kmsg) with a "ukiboot: "
 * prefix, so an unattended boot explains itself in dmesg as well as on the screen.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import type { Log } from "../ports/sys.ts";

// kmsg priorities: <3> err, <4> warning, <6> info, <7> debug.
const PRIORITY = { error: 3, warn: 4, info: 6, debug: 7 } as const;

export class ConsoleLog implements Log {
  private kmsg: number | null = null;

  constructor(
    private readonly out: { write(s: string): unknown },
    private readonly opts: { kmsg?: boolean; debug?: boolean } = {},
  ) {
    if (opts.kmsg) {
      try {
        this.kmsg = openSync("/dev/kmsg", "w");
      } catch {
        this.kmsg = null;
      }
    }
  }

  private emit(level: keyof typeof PRIORITY, message: string): void {
    if (level !== "debug" || this.opts.debug) this.out.write(`ukiboot: ${message}\n`);
    if (this.kmsg !== null) {
      for (const line of message.split("\n")) {
        try {
          writeSync(this.kmsg, `<${PRIORITY[level]}>ukiboot: ${line}\n`);
        } catch {
          // The kernel log is best effort; the console line above is what the person sees.
        }
      }
    }
  }

  info(m: string): void {
    this.emit("info", m);
  }
  warn(m: string): void {
    this.emit("warn", m);
  }
  error(m: string): void {
    this.emit("error", m);
  }
  debug(m: string): void {
    this.emit("debug", m);
  }

  close(): void {
    if (this.kmsg !== null) closeSync(this.kmsg);
    this.kmsg = null;
  }
}
