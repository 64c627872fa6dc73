/** `ukiboot menu`: the boot menu on the current terminal; boots what is chosen (or prints its plan). */
import { parseArgs } from "node:util";
import { openSession } from "../../flow/boot-flow.ts";
import { rebootSystem } from "../../linux/kexec.ts";
import { LINUX_REBOOT_CMD_POWER_OFF, LINUX_REBOOT_CMD_RESTART } from "../../linux/syscall-numbers.ts";
import { createRealSys } from "../../linux/real-sys.ts";
import { PARTITION_HELP, PARTITION_OPTIONS, resolvePartitions, trustOptions } from "../common-options.ts";
import { requestFirmwareSetup, runMenuFlow } from "../menu-flow.ts";
import type { Command } from "../command.ts";

export const menuCommand: Command = {
  name: "menu",
  summary: "show the boot menu on this terminal and boot the chosen entry",
  help: `Usage: ukiboot menu [--esp DIR] [--xbootldr DIR] [--efivarfs DIR] [--dry-run] [--json]

Shows systemd-boot's menu on the current terminal (keys as in systemd-boot: arrows, j/k, Enter, e to
edit the command line, d to toggle the default, +/- for the timeout, p details, h help). The chosen entry
is loaded with kexec_file_load and started.

Options:
${PARTITION_HELP}
  --dry-run        print the chosen entry's load plan instead of booting it, and exit 0
  --json           with --dry-run, print the plan as JSON
  -h, --help       show this help`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { ...PARTITION_OPTIONS, "dry-run": { type: "boolean" }, json: { type: "boolean" } }, strict: true });
    const sys = createRealSys({ stderr: io.stderr, debug: Boolean(io.env.UKIBOOT_DEBUG), ...(values.efivarfs ? { efivarfs: values.efivarfs } : {}) });
    const session = await openSession(sys, resolvePartitions(values), trustOptions(values));
    const dryRun = Boolean(values["dry-run"]);
    const outcome = await runMenuFlow(sys, session, { io: { stdin: io.stdin, stdout: io.stdout, env: io.env }, dryRun, json: Boolean(values.json), out: io.stdout });
    switch (outcome.kind) {
      case "dry-run":
      case "shell":
        return 0;
      case "reboot":
      case "poweroff":
      case "firmware-setup":
        if (dryRun) {
          io.stdout.write(`would ${outcome.kind === "poweroff" ? "power off" : outcome.kind === "reboot" ? "reboot" : "reboot into the firmware setup"}\n`);
          return 0;
        }
        if (outcome.kind === "firmware-setup") requestFirmwareSetup(sys);
        await sys.prepareForExec();
        rebootSystem(outcome.kind === "poweroff" ? LINUX_REBOOT_CMD_POWER_OFF : LINUX_REBOOT_CMD_RESTART);
        return 1;
    }
  },
};
