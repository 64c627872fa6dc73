/** The shape of every `ukiboot` subcommand, and the I/O a command is given. */
import type { Platform } from "../ports/platform.ts";

export interface CommandIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: Record<string, string | undefined>;
}

export interface Command {
  name: string;
  summary: string;
  /** Full --help text: usage line, description, options. */
  help: string;
  /** Returns the exit code; throws only for errors main.ts formats. The platform builds the effect layer. */
  run(args: string[], io: CommandIo, platform: Platform): Promise<number>;
}

/** Thrown for bad command-line usage; main prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
