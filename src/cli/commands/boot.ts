/** `ukiboot boot`: pick the default entry and kexec it (or print what would be loaded). */
import { parseArgs } from "node:util";
import { runBoot } from "../../flow/run-boot.ts";
import { openCommandSession, PARTITION_HELP, PARTITION_OPTIONS } from "../common-options.ts";
import type { Command } from "../command.ts";

export const bootCommand: Command = {
  name: "boot",
  summary: "boot the default entry with kexec (or show what would be loaded)",
  help: `Usage: ukiboot boot [--esp DIR] [--xbootldr DIR] [--efivarfs DIR] [--dry-run]

Picks the default boot entry on the ESP, loads its kernel, merged initrd and command line with
kexec_file_load(2) and starts it.

Picks the default the way systemd-boot does (LoaderEntryOneShot, LoaderEntryDefault, loader.conf
default, first entry). If the entry cannot be loaded, says why and tries the next one in menu order.

Options:
${PARTITION_HELP}
  --dry-run        print what would be loaded and stop; nothing is changed
  -h, --help       show this help`,
  async run(args, io, platform) {
    const { values } = parseArgs({ args, options: { ...PARTITION_OPTIONS, "dry-run": { type: "boolean" } }, strict: true });
    const { sys, session } = await openCommandSession(platform, io, values);
    await runBoot(sys, session, { chooser: null, menuFirst: false, ...(values["dry-run"] ? { dryRun: { out: io.stdout } } : {}) });
    return 0;
  },
};
