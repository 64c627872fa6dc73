/** Every subcommand, in the order `ukiboot --help` lists them. */
import type { Command } from "../command.ts";
import { bootCommand } from "./boot.ts";
import { initCommand } from "./init.ts";
import { installCommand, removeCommand, statusCommand, updateCommand } from "./install.ts";
import { kdumpCommand } from "./kdump.ts";
import { inspectCommand } from "./inspect.ts";
import { listCommand } from "./list.ts";
import { menuCommand } from "./menu.ts";
import { execCommand, loadCommand, planCommand, unloadCommand } from "./plan-load.ts";
import { setDefaultCommand, setOneshotCommand, setPreferredCommand, setSysfailCommand, setTimeoutCommand, setTimeoutOneshotCommand } from "./set-variables.ts";

export const commands: Command[] = [
  listCommand,
  inspectCommand,
  menuCommand,
  planCommand,
  loadCommand,
  execCommand,
  unloadCommand,
  kdumpCommand,
  bootCommand,
  initCommand,
  setDefaultCommand,
  setPreferredCommand,
  setSysfailCommand,
  setOneshotCommand,
  setTimeoutCommand,
  setTimeoutOneshotCommand,
  installCommand,
  updateCommand,
  removeCommand,
  statusCommand,
];
