/** `ukiboot list`: the entries in menu order, as systemd-boot would show them, with the default and why. */
import { parseArgs } from "node:util";
import { toBootctlJson } from "../../report/bootctl-json.ts";
import { formatEntriesText } from "../../report/entries-text.ts";
import { openSession } from "../../flow/boot-session.ts";
import { PARTITION_HELP, PARTITION_OPTIONS, resolvePartitions, trustOptions } from "../common-options.ts";
import type { Command } from "../command.ts";

const REASON_TEXT = {
  oneshot: "LoaderEntryOneShot",
  "efi-default": "LoaderEntryDefault",
  "loader.conf": "loader.conf default",
  first: "first entry in menu order",
  "ukiboot.entry": "ukiboot.entry= on the kernel command line",
} as const;

export const listCommand: Command = {
  name: "list",
  summary: "list the boot entries in menu order (--json: bootctl's field names)",
  help: `Usage: ukiboot list [--esp DIR] [--xbootldr DIR] [--efivarfs DIR] [--json]

Lists UKIs in EFI/Linux and Type #1 entries in loader/entries on the ESP and XBOOTLDR partition, in
systemd-boot's menu order, marking the default entry and saying which variable or setting chose it.
Files that cannot be used, and EFI variables that cannot be honoured, are reported on stderr, one line each.

Options:
${PARTITION_HELP}
  --json           one JSON array with bootctl list --json field names
  -h, --help       show this help`,
  async run(args, io, platform) {
    const { values } = parseArgs({ args, options: { ...PARTITION_OPTIONS, json: { type: "boolean" } }, strict: true });
    const sys = platform.sys({ ...(values.efivarfs ? { efivarfs: values.efivarfs } : {}) });
    const { discovery, state } = await openSession(sys, resolvePartitions(sys, values), trustOptions(values));
    const defaultIndex = state.choice.index;
    if (values.json) {
      io.stdout.write(`${JSON.stringify(toBootctlJson(discovery.entries, defaultIndex === undefined ? {} : { defaultIndex }), null, 2)}\n`);
      return 0;
    }
    io.stdout.write(
      formatEntriesText(discovery.entries, {
        ...(defaultIndex === undefined ? {} : { defaultIndex }),
        ...(state.choice.efiDefaultIndex === undefined ? {} : { efiDefaultIndex: state.choice.efiDefaultIndex }),
      }),
    );
    if (defaultIndex !== undefined && state.choice.reason) {
      io.stdout.write(`\nDefault: ${discovery.entries[defaultIndex]!.id} (chosen by ${REASON_TEXT[state.choice.reason]})\n`);
    }
    const t = state.timeout;
    io.stdout.write(`Timeout: ${typeof t.timeout === "number" ? `${t.timeout} s` : t.timeout} (from ${t.source})${t.forceMenu ? ", menu forced" : ""}\n`);
    io.stdout.write(`EFI variables: ${state.vars.available ? `read from ${state.vars.location}` : "unavailable (no efivarfs): one-shot, default and timeout variables cannot be used"}\n`);
    return 0;
  },
};
