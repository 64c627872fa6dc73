/** `ukiboot list`: the entries in menu order, as systemd-boot would show them, with the default and why. */
import { parseArgs } from "node:util";
import { toBootctlJson } from "../../report/bootctl-json.ts";
import { formatEntriesText } from "../../report/entries-text.ts";
import { openCommandSession, PARTITION_HELP, PARTITION_OPTIONS } from "../common-options.ts";
import type { Command } from "../command.ts";
import type { BootSession } from "../../flow/boot-session.ts";
import { judgeEntry, type SignatureLine } from "../../flow/judge-entry.ts";
import type { SignatureReport } from "../../trust/verify-authenticode.ts";
import type { Sys } from "../../ports/sys.ts";
import { currentEntry } from "../../flow/current-entry.ts";

/**
 * Per entry, the signature of the image it boots, as the one verdict (judgeEntry) sees it: who signed it,
 * through which anchor from where, or why not. Verified whatever the mode, since that is what was asked.
 */
async function entrySignatures(sys: Sys, session: BootSession): Promise<SignatureLine[]> {
  const reports = new Map<string, SignatureReport>();
  const out: SignatureLine[] = [];
  for (const e of session.discovery.entries) out.push((await judgeEntry(sys, session.trust, e, { verifyWhenOff: true, reports })).signature);
  return out;
}

const REASON_TEXT = {
  sysfail: "LoaderEntrySysFail after a system failure",
  oneshot: "LoaderEntryOneShot",
  "efi-preferred": "LoaderEntryPreferred",
  "loader.conf-preferred": "loader.conf preferred",
  "efi-default": "LoaderEntryDefault",
  "loader.conf": "loader.conf default",
  first: "first entry in menu order",
  "ukiboot.entry": "ukiboot.entry= on the kernel command line",
} as const;

export const listCommand: Command = {
  name: "list",
  summary: "list the boot entries in menu order (--json: bootctl's field names)",
  help: `Usage: ukiboot list [--esp DIR] [--xbootldr DIR] [--efivarfs DIR] [--json] [--signatures]

Lists UKIs in EFI/Linux and Type #1 entries in loader/entries on the ESP and XBOOTLDR partition, in
systemd-boot's menu order, marking the default entry and saying which variable or setting chose it.
Files that cannot be used, and EFI variables that cannot be honoured, are reported on stderr, one line each.

Options:
${PARTITION_HELP}
  --json           one JSON array with bootctl list --json field names
  --signatures     also verify each entry's UKI or kernel, and say who signed it and which anchor (and
                   where that anchor came from) it chains to; this reads every image whole
  -h, --help       show this help`,
  async run(args, io, platform) {
    const { values } = parseArgs({ args, options: { ...PARTITION_OPTIONS, json: { type: "boolean" }, signatures: { type: "boolean" } }, strict: true });
    const { sys, session } = await openCommandSession(platform, io, values);
    const { discovery, state } = session;
    const defaultIndex = state.choice.index;
    // The entry this system was booted from, when it is on this ESP (docs/efi-variables.md §8).
    const current = currentEntry(sys);
    const found = current ? discovery.entries.findIndex((e) => e.id === current.id) : -1;
    const selected = found >= 0 ? { selectedIndex: found } : {};
    const signatures = values.signatures ? await entrySignatures(sys, session) : undefined;
    if (values.json) {
      const json = toBootctlJson(discovery.entries, {
        ...(defaultIndex === undefined ? {} : { defaultIndex }),
        ...selected,
        reported: state.vars.reported ?? [],
      });
      const out = signatures ? json.map((e, i) => ({ ...e, signature: signatures[i] })) : json;
      io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return 0;
    }
    io.stdout.write(
      formatEntriesText(discovery.entries, {
        ...(defaultIndex === undefined ? {} : { defaultIndex }),
        ...(state.choice.efiDefaultIndex === undefined ? {} : { efiDefaultIndex: state.choice.efiDefaultIndex }),
        ...selected,
      }),
    );
    if (defaultIndex !== undefined && state.choice.reason) {
      io.stdout.write(`\nDefault: ${discovery.entries[defaultIndex]!.id} (chosen by ${REASON_TEXT[state.choice.reason]})\n`);
    }
    if (current) io.stdout.write(`Booted: ${current.id} (from ${current.source})${found < 0 ? ", which is not among these entries" : ""}\n`);
    const t = state.timeout;
    io.stdout.write(`Timeout: ${typeof t.timeout === "number" ? `${t.timeout} s` : t.timeout} (from ${t.source})${t.forceMenu ? ", menu forced" : ""}\n`);
    if (signatures) {
      io.stdout.write(`\nSignatures (${session.trust.policy.explanation}):\n`);
      discovery.entries.forEach((e, i) => io.stdout.write(`  ${e.id}: ${signatures[i]!.text}\n`));
    }
    io.stdout.write(
      `EFI variables: ${state.vars.available ? `read from ${state.vars.location}` : "unavailable (no efivarfs): one-shot, default and timeout variables cannot be used"}\n`,
    );
    return 0;
  },
};
