/**
 * ukiboot's entry point and composition root: the only file that wires the Linux implementation of the
 * ports (src/linux/) and the Ink menu (ui/) into the commands. It dispatches subcommands and is the only
 * place that maps errors to exit codes (0 success, 1 the requested action failed, 2 bad usage; `init`
 * documents its own in initrd-hooks/README.md).
 */
import { readFileSync } from "node:fs";
import { BootError, formatError } from "./errors.ts";
import { type Command, type CommandIo, UsageError } from "./cli/command.ts";
import { commands } from "./cli/commands/index.ts";
import { parseKernelOptions } from "./cmdline/kernel-options.ts";
import { createLinuxInstallHost } from "./linux/install-host.ts";
import { createLinuxSys } from "./linux/linux-sys.ts";
import type { Platform } from "./ports/platform.ts";
import { terminalChooser } from "../ui/terminal-chooser.ts";

import { VERSION } from "./version.ts";
import { builtWithRescueShell } from "./build-flags.ts";

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

/** Whether the boot kernel's command line asks for debug lines (ukiboot.debug), for PID 1. */
function kernelAsksForDebug(): boolean {
  try {
    return parseKernelOptions(readFileSync("/proc/cmdline", "utf8")).debug;
  } catch {
    return false;
  }
}

/** The real machine: the Linux effect layer on the command's streams, and the Ink menu. */
export function linuxPlatform(io: CommandIo): Platform {
  return {
    sys: (req) =>
      createLinuxSys({
        stdio: io,
        ...(req.kernelLog ? { kmsg: true } : {}),
        ...(req.allConsoles ? { logToAllConsoles: true } : {}),
        debug: req.debug ?? (req.kernelLog === true && kernelAsksForDebug()),
        ...(req.efivarfs ? { efivarfs: req.efivarfs } : {}),
      }),
    chooser: terminalChooser,
    installHost: createLinuxInstallHost,
  };
}

export async function main(argv: string[], io: CommandIo, platformFor: (io: CommandIo) => Platform = linuxPlatform): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const target = name === "help" ? commands.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write(`${target ? target.help : topHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") {
    // A lab image says so wherever anyone looks: its rescue shell survives enforce.
    io.stdout.write(
      `ukiboot ${VERSION}${builtWithRescueShell() ? " (built with --allow-rescue-shell: the rescue shell stays available while signatures are enforced)" : ""}\n`,
    );
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
    return await command.run(rest, io, platformFor(io));
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
