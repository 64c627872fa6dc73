/**
 * TerminalOutput: the stream Ink draws to. It forwards writes to the real stdout and reports the size the
 * menu decided on, so that Ink never falls back to running `tput` or `stty` (its terminal-size fallback)
 * on a serial console that reports 0x0, and lays out with the same size as the reducer.
 */
import { EventEmitter } from "node:events";
import type { OutputStream } from "../src/ports/terminal.ts";
import type { TerminalSize } from "./state/layout.ts";

export type { OutputStream };

export class TerminalOutput extends EventEmitter {
  constructor(
    private readonly target: OutputStream,
    private readonly size: () => TerminalSize,
  ) {
    super();
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
    return this.target.write(chunk, callback);
  }
}
