/**
 * ukiboot's entry point: dispatches subcommands and is the only place that maps errors to exit codes
 * (0 success, 1 the requested action failed, 2 bad usage; `init` documents its own in initrd-hooks/README.md).
 */
import { BootError, formatError } from "./errors.ts";
import { type Command, type CommandIo, UsageError } from "./cli/command.ts";
import { commands } from "./cli/commands/index.ts";

import { VERSION } from "./version.ts";

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "Usage: ukiboot COMMAND [OPTIONS]",
    "",
    "A kexec boot loader for Unified Kernel Images, with systemd-boot's menu and systemd-stub's behaviour.",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run 'ukiboot COMMAND --help' for the options of a command.",
  ].join("\n");
}

export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const target = name === "help" ? commands.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write(`${target ? target.help : topHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") {
    io.stdout.write(`ukiboot ${VERSION}\n`);
    return 0;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`ukiboot: unknown command "${name}"\n\n${topHelp()}\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout.write(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && "code" in e && String(e.code).startsWith("ERR_PARSE_ARGS"))) {
      io.stderr.write(`ukiboot ${command.name}: ${e.message}\n\n${command.help}\n`);
      return 2;
    }
    io.stderr.write(`ukiboot: ${formatError(e)}\n`);
    if (!(e instanceof BootError) && io.env.UKIBOOT_DEBUG && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
    return 1;
  }
}


if (import.meta.main) {
  // The exit code is set, not forced with process.exit(), so output still queued for a pipe is written first.
  void main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
  }).then((code) => {
    process.exitCode = code;
  });
}
