/** `ukiboot menu`: the boot menu on the current terminal; boots what is chosen (or prints its plan). */
import { parseArgs } from "node:util";
import { carryOut, describePowerAction } from "../../flow/power.ts";
import { runBoot } from "../../flow/run-boot.ts";
import { openCommandSession, PARTITION_HELP, PARTITION_OPTIONS } from "../common-options.ts";
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
  async run(args, io, platform) {
    const { values } = parseArgs({ args, options: { ...PARTITION_OPTIONS, "dry-run": { type: "boolean" }, json: { type: "boolean" } }, strict: true });
    const { sys, session } = await openCommandSession(platform, io, values);
    const dryRun = values["dry-run"] ? { out: io.stdout, json: Boolean(values.json) } : undefined;
    const chooser = () => platform.chooser([{ stdin: io.stdin, stdout: io.stdout, env: io.env }]);
    // On a running system the shell item leaves the menu, back to the shell it was started from.
    const outcome = await runBoot(sys, session, { chooser, menuFirst: true, shell: "leave", ...(dryRun ? { dryRun } : {}) });
    switch (outcome.kind) {
      case "reboot":
      case "poweroff":
      case "firmware-setup":
        if (dryRun) {
          io.stdout.write(`would ${describePowerAction(outcome.kind)}\n`);
          return 0;
        }
        carryOut(sys, outcome.kind);
        return 1;
      default:
        return 0;
    }
  },
};
