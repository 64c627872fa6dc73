/** A terminal the menu can be drawn on: the console's streams and the environment that describes it. */

/** The parts of a writable stream the menu uses. */
export interface OutputStream {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  writableLength?: number;
  on?(event: "resize", fn: () => void): unknown;
  off?(event: "resize", fn: () => void): unknown;
}

export interface Terminal {
  /** A tty.ReadStream in the initramfs; the menu puts it in raw mode while it runs. */
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: OutputStream;
  /** For TERM, the locale and NO_COLOR; defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}
