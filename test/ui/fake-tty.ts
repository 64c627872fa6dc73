// Stream doubles for runMenu: a stdin that records raw-mode changes and a stdout that records writes,
// both claiming to be a TTY (or not), so the real Ink render path runs as on a console.
import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";

export class FakeTtyIn extends PassThrough {
  isTTY: boolean;
  isRaw = false;
  rawModeCalls: boolean[] = [];
  constructor(opts: { isTTY?: boolean } = {}) {
    super();
    this.isTTY = opts.isTTY ?? true;
  }
  setRawMode(raw: boolean): this {
    this.isRaw = raw;
    this.rawModeCalls.push(raw);
    return this;
  }
  /** Sends bytes as one read. */
  send(bytes: string): void {
    this.write(Buffer.from(bytes, "utf8"));
  }
}

export class FakeTtyOut extends EventEmitter {
  isTTY: boolean;
  columns: number | undefined;
  rows: number | undefined;
  chunks: string[] = [];
  constructor(opts: { isTTY?: boolean; columns?: number; rows?: number } = {}) {
    super();
    this.isTTY = opts.isTTY ?? true;
    this.columns = opts.columns;
    this.rows = opts.rows;
  }
  write(chunk: string, callback?: (error?: Error | null) => void): boolean {
    this.chunks.push(String(chunk));
    callback?.();
    this.emit("written");
    return true;
  }
  get text(): string {
    return this.chunks.join("");
  }
}

/** Lets the event loop run the work a write or a fake-clock step queued: a few turns, never wall-clock time. */
export async function turns(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

/** What waitForOutput waits at most, as a guard against a hang; a passing test never comes near it. */
const GUARD_MS = 10_000;

/**
 * Resolves as soon as `holds(out)` is true: checked now and after every write, so the test follows the
 * frames as they are drawn instead of polling the clock. Fails with the output so far if it never holds.
 */
export function waitForOutput(out: FakeTtyOut, holds: (out: FakeTtyOut) => boolean, what: string): Promise<void> {
  if (holds(out)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!holds(out)) return;
      out.off("written", check);
      clearTimeout(guard);
      resolve();
    };
    const guard = setTimeout(() => {
      out.off("written", check);
      reject(new Error(`The menu never drew ${what}; output so far:\n${out.text}`));
    }, GUARD_MS);
    out.on("written", check);
  });
}

/** Replays terminal output on a tiny screen model, to see what a person would see at the end. */
export function screenAfter(output: string, columns = 80, rows = 24): string[] {
  return replayTerminal(output, columns, rows).screen;
}

/**
 * The screen and the cursor position (0-based) after the output, on a VT100-like model; `cells` gives each
 * row's cells with their attributes (SGR bold, dim, inverse and the foreground colour) as `{attrs}c`, so that
 * two outputs can be compared as a person would see them.
 */
export function replayTerminal(output: string, columns = 80, rows = 24): { screen: string[]; cursor: { x: number; y: number }; cells: string[][] } {
  const blankRow = () => " ".repeat(columns).split("");
  const screen = Array.from({ length: rows }, blankRow);
  const attrs = Array.from({ length: rows }, () => Array<string>(columns).fill(""));
  let x = 0;
  let y = 0;
  const sgr = { bold: false, dim: false, inverse: false, fg: 0 };
  const attrText = () => `${sgr.bold ? "b" : ""}${sgr.dim ? "d" : ""}${sgr.inverse ? "i" : ""}${sgr.fg ? `f${sgr.fg}` : ""}`;
  const scroll = () => {
    screen.shift();
    screen.push(blankRow());
    attrs.shift();
    attrs.push(Array<string>(columns).fill(""));
  };
  const put = (c: string) => {
    if (x >= columns) {
      x = 0;
      y++;
    }
    if (y >= rows) {
      scroll();
      y = rows - 1;
    }
    screen[y]![x] = c;
    attrs[y]![x] = attrText();
    x++;
  };
  const applySgr = (codes: (number | undefined)[]) => {
    for (const c of codes.length === 0 ? [0] : codes) {
      const code = c ?? 0;
      if (code === 0) Object.assign(sgr, { bold: false, dim: false, inverse: false, fg: 0 });
      else if (code === 1) sgr.bold = true;
      else if (code === 2) sgr.dim = true;
      else if (code === 22) Object.assign(sgr, { bold: false, dim: false });
      else if (code === 7) sgr.inverse = true;
      else if (code === 27) sgr.inverse = false;
      else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) sgr.fg = code;
      else if (code === 39) sgr.fg = 0;
    }
  };
  // Control characters are the point here.
  const re = /\x1b\[([0-9;?]*)([A-Za-z])|\x1b[^[]|\r|\n|[^\x1b\r\n]/gu;
  for (const m of output.matchAll(re)) {
    const s = m[0];
    if (m[2]) {
      const args = (m[1] ?? "")
        .replace("?", "")
        .split(";")
        .map((n) => (n === "" ? undefined : Number(n)));
      const n = args[0] ?? 1;
      switch (m[2]) {
        case "m":
          applySgr(args);
          break;
        case "A":
          y = Math.max(0, y - n);
          break;
        case "B":
          y = Math.min(rows - 1, y + n);
          break;
        case "C":
          x = Math.min(columns - 1, x + n);
          break;
        case "D":
          x = Math.max(0, x - n);
          break;
        case "E":
          y = Math.min(rows - 1, y + n);
          x = 0;
          break;
        case "G":
          x = (args[0] ?? 1) - 1;
          break;
        case "H":
          y = (args[0] ?? 1) - 1;
          x = (args[1] ?? 1) - 1;
          break;
        case "J": {
          const mode = args[0] ?? 0;
          const erase = (r: number, from: number) => {
            for (let i = from; i < columns; i++) {
              screen[r]![i] = " ";
              attrs[r]![i] = "";
            }
          };
          if (mode === 2) for (let r = 0; r < rows; r++) erase(r, 0);
          else if (mode === 0) {
            erase(y, Math.min(x, columns));
            for (let r = y + 1; r < rows; r++) erase(r, 0);
          }
          break;
        }
        case "K": {
          const mode = args[0] ?? 0;
          const from = mode === 2 ? 0 : mode === 0 ? x : columns;
          for (let i = Math.min(from, columns); i < columns; i++) {
            screen[y]![i] = " ";
            attrs[y]![i] = "";
          }
          break;
        }
        default:
          break;
      }
    } else if (s === "\r") x = 0;
    else if (s === "\n") {
      x = 0;
      y++;
      if (y >= rows) {
        scroll();
        y = rows - 1;
      }
    } else if (!s.startsWith("\x1b")) put(s);
  }
  return {
    screen: screen.map((r) => r.join("").trimEnd()),
    cursor: { x, y },
    cells: screen.map((r, i) => r.map((c, j) => `{${attrs[i]![j]}}${c}`)),
  };
}
