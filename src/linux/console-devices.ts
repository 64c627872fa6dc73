/**
 * The boot kernel's consoles as terminals (docs/menu.md §4): which ones src/console/menu-consoles.ts picks
 * from /proc/consoles and /sys, opened for the menu, and a writer that puts a log line on all of them.
 */
import { EventEmitter } from "node:events";
import { closeSync, constants, openSync, readdirSync, readFileSync, readSync, writeSync } from "node:fs";
import tty from "node:tty";
import { formatError } from "../errors.ts";
import { menuConsoles } from "../console/menu-consoles.ts";
import { parseProcConsoles } from "../console/proc-consoles.ts";
import type { Terminal } from "../ports/terminal.ts";

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** DEVNAME of a character device, from /sys/dev/char/MAJOR:MINOR/uevent. */
function deviceName(d: { major: number; minor: number }): string | null {
  const uevent = readText(`/sys/dev/char/${d.major}:${d.minor}/uevent`);
  return uevent?.match(/^DEVNAME=(.+)$/m)?.[1] ?? null;
}

/** The VT in front when a framebuffer console is bound to the VTs (fbcon), else null. */
function framebufferVt(): string | null {
  let bound = false;
  try {
    for (const d of readdirSync("/sys/class/vtconsole")) {
      const name = readText(`/sys/class/vtconsole/${d}/name`) ?? "";
      if (/frame buffer/i.test(name) && readText(`/sys/class/vtconsole/${d}/bind`)?.trim() === "1") bound = true;
    }
  } catch {
    return null;
  }
  return bound ? (readText("/sys/class/tty/tty0/active")?.trim() ?? "tty1") : null;
}

/** The device names of the consoles that get the menu; `warn` hears why /proc/consoles could not be read. */
export function menuConsoleNames(warn: (m: string) => void): string[] {
  const text = readText("/proc/consoles");
  if (text === null) return [];
  try {
    return menuConsoles({ consoles: parseProcConsoles(text), deviceName, framebufferVt: framebufferVt() });
  } catch (e) {
    warn(formatError(e));
    return [];
  }
}

/**
 * /dev/NAME read-write as a terminal. O_NOCTTY: PID 1 has no controlling terminal and must not take one,
 * or a hang-up on that console would signal it. @throws Error when it cannot be opened or is not a terminal
 */
export function openConsole(name: string, env: Record<string, string | undefined>): Terminal {
  const path = `/dev/${name.replace(/^\/dev\//, "")}`;
  const fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY);
  if (!tty.isatty(fd)) {
    closeSync(fd);
    throw new Error(`${path} is not a terminal`);
  }
  const reader = openSync(path, constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
  return { stdin: new PolledConsoleInput(new tty.ReadStream(fd), reader) as unknown as NodeJS.ReadStream, stdout: new tty.WriteStream(fd), env };
}

/** How often a console opened by ukiboot is read while the menu listens to it. */
const POLL_MS = 20;

/**
 * A console's keys, read by polling a non-blocking descriptor. Bun reads a tty.ReadStream that is not stdin
 * with a blocking read on a worker thread: two consoles that nobody types on held two workers forever, which
 * was all a one-CPU guest had, so the UKI's file reads never ran and the boot hung; a paused stream kept
 * ukiboot from exiting, too. Raw mode still goes through the tty.ReadStream, which is never read from.
 * Paused, nothing keeps ukiboot running.
 */
export class PolledConsoleInput extends EventEmitter {
  readonly isTTY = true;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly buffer = new Uint8Array(256);

  constructor(
    private readonly modes: Pick<tty.ReadStream, "isRaw" | "setRawMode">,
    private readonly fd: number,
  ) {
    super();
  }

  get isRaw(): boolean {
    return this.modes.isRaw;
  }

  setRawMode(raw: boolean): this {
    this.modes.setRawMode(raw);
    return this;
  }

  resume(): this {
    this.timer ??= setInterval(() => this.poll(), POLL_MS);
    return this;
  }

  pause(): this {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    return this;
  }

  isPaused(): boolean {
    return this.timer === undefined;
  }

  private poll(): void {
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, this.buffer, 0, this.buffer.length, null);
      } catch {
        // EAGAIN: nothing typed. Any other error: the console is gone, and the others still work.
        return;
      }
      if (n <= 0) return;
      this.emit("data", Buffer.from(this.buffer.subarray(0, n)));
    }
  }
}

/**
 * Writes each line to every console of `paths` (`/dev/ttyS0`, `/dev/tty1`), as systemd-boot's output goes to
 * every ConOut; falls back to `fallback` (the console ukiboot was started on) when none could be opened.
 */
export class ConsoleFanout {
  private readonly fds: number[] = [];

  constructor(
    paths: readonly string[],
    private readonly fallback: { write(s: string): unknown },
  ) {
    for (const p of paths) {
      try {
        this.fds.push(openSync(p, constants.O_WRONLY | constants.O_NOCTTY));
      } catch {
        // A console that cannot be opened still has the kernel log's copy of each line.
      }
    }
  }

  write(s: string): void {
    if (this.fds.length === 0) {
      this.fallback.write(s);
      return;
    }
    for (const fd of this.fds) {
      try {
        writeSync(fd, s);
      } catch {
        // One console that stopped taking output must not stop the others or the boot.
      }
    }
  }
}
