/**
 * TerminalOutput: the stream Ink draws to. It forwards writes to the real stdout and reports the size the
 * menu decided on, so that Ink never falls back to running `tput` or `stty` (its terminal-size fallback)
 * on a serial console that reports 0x0, and lays out with the same size as the reducer.
 *
 * Over a first frame drawn before Ink loaded (ui/first-frame.ts), Ink's first frame also erases the rest of
 * each row and the rows below it: Ink erases only what it drew itself, and a row that became shorter meanwhile
 * ("Boot in 9 s." after "Boot in 10 s.") would keep the end of the old one.
 */
import { EventEmitter } from "node:events";
import type { OutputStream } from "../src/ports/terminal.ts";
import { ERASE_BELOW, ERASE_LINE_END } from "./frame/screen-control.ts";
import type { TerminalSize } from "./state/layout.ts";

export type { OutputStream };

export class TerminalOutput extends EventEmitter {
  private overFrame: boolean;

  constructor(
    private readonly target: OutputStream,
    private readonly size: () => TerminalSize,
    opts: { overFrame?: boolean } = {},
  ) {
    super();
    this.overFrame = opts.overFrame ?? false;
  }

  get columns(): number {
    return this.size().columns;
  }

  get rows(): number {
    return this.size().rows;
  }

  get isTTY(): boolean {
    return this.target.isTTY === true;
  }

  /** Ink waits for an empty write's callback before unmount resolves, when the stream has this. */
  get writableLength(): number | undefined {
    return this.target.writableLength;
  }

  write(chunk: string, callback?: (error?: Error | null) => void): boolean {
    // Ink writes its frame in one chunk; the escape sequences around it come alone.
    if (this.overFrame && chunk.includes("\n")) {
      this.overFrame = false;
      return this.target.write(`${chunk.replaceAll("\n", `${ERASE_LINE_END}\n`)}${ERASE_LINE_END}${ERASE_BELOW}`, callback);
    }
    return this.target.write(chunk, callback);
  }
}
