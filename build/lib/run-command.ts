/** Spawning helpers for build and test scripts: run a command, throw CommandFailedError with the tail of stderr. */

/** A subprocess a build or test script ran exited non-zero. */
export class CommandFailedError extends Error {
  override name = "CommandFailedError";
  constructor(
    readonly command: string[],
    readonly exitCode: number | null,
    readonly stderrTail: string,
  ) {
    super(`Command "${command.join(" ")}" failed with exit code ${exitCode}${stderrTail ? `: ${stderrTail}` : ""}`);
  }
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  stdin?: Uint8Array | string;
  /** Pass the child's output through to ours instead of capturing it. */
  inherit?: boolean;
  /** Exit codes that are not failures (default: only 0). */
  okCodes?: number[];
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function run(cmd: string[], opts: RunOptions = {}): Promise<RunResult> {
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdin: opts.stdin === undefined ? "ignore" : new Blob([opts.stdin]),
    stdout: opts.inherit ? "inherit" : "pipe",
    stderr: opts.inherit ? "inherit" : "pipe",
  });
  const [stdout, stderr] = opts.inherit
    ? ["", ""]
    : await Promise.all([new Response(proc.stdout as ReadableStream).text(), new Response(proc.stderr as ReadableStream).text()]);
  const exitCode = await proc.exited;
  if (!(opts.okCodes ?? [0]).includes(exitCode)) {
    throw new CommandFailedError(cmd, exitCode, (stderr || stdout).trim().split("\n").slice(-8).join("\n"));
  }
  return { exitCode, stdout, stderr };
}

/** Whether a program is on PATH. */
export function hasProgram(name: string): boolean {
  return Bun.which(name) !== null;
}
