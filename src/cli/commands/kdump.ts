/**
 * `ukiboot kdump`: loads a crash kernel made from a UKI (docs/kdump.md). Its own command, not `load --crash`,
 * because a crash kernel follows other rules than a boot: it defaults to the entry the system booted, not
 * the default one; its command line is rewritten from a configuration file; kdump add-ons apply only here;
 * it may take a distribution's kdump initrd; and it is never measured.
 */
import { parseArgs } from "node:util";
import { BootError } from "../../errors.ts";
import { type CrashKernel, loadCrashKernel } from "../../flow/load-crash-kernel.ts";
import { formatMiB } from "../../kdump/crash-memory.ts";
import { KDUMP_CONFIG_PATH, parseKdumpConfig } from "../../kdump/kdump-config.ts";
import type { Sys } from "../../ports/sys.ts";
import { commandSys, PARTITION_HELP, PARTITION_OPTIONS, sessionFor } from "../common-options.ts";
import { UsageError, type Command } from "../command.ts";

/** The configuration file: a missing default file means the defaults; a missing named one is an error. */
async function readConfig(sys: Sys, path: string | undefined) {
  const file = path ?? KDUMP_CONFIG_PATH;
  const st = await sys.fs.stat(file);
  if (!st) {
    if (path !== undefined) throw new BootError(`Cannot read the kdump configuration "${file}": it does not exist`, "Check the path given with --config");
    return parseKdumpConfig("", file);
  }
  return parseKdumpConfig(new TextDecoder().decode(await sys.fs.readFile(file)), file);
}

/** What was loaded, in lines that `systemctl status ukiboot-kdump` shows from the journal. */
function describe(k: CrashKernel, dryRun: boolean): string {
  const members = k.plan.initrd.members;
  const initrd =
    members.length === 1 && members[0]!.member.kind === "kdump-initrd"
      ? `"${members[0]!.member.origin}"`
      : `the entry's own, ${members.length} member${members.length === 1 ? "" : "s"}`;
  return [
    `${dryRun ? "Would load" : "Loaded"} the crash kernel from "${k.entry.id}", ${k.chosenBy}: ${k.plan.label}`,
    `  initrd: ${initrd}, ${formatMiB(k.plan.initrd.size)}`,
    `  kdump add-ons: ${k.kdumpAddons.length ? k.kdumpAddons.map((a) => a.path).join(", ") : "none"}`,
    `  command line: ${k.plan.cmdline}`,
    `  ${k.rewritten ? `rewritten for a crash kernel; removed: ${k.removed.length ? k.removed.join(" ") : "nothing"}` : "the UKI's signed command line, with only the kdump add-ons' options added (the policy forbids other changes)"}`,
    ...(k.reserved !== undefined ? [`  reserved by crashkernel=: ${formatMiB(k.reserved)}`] : []),
    "  not measured: a crash kernel starts only after a crash and is never measured into the TPM",
    "",
  ].join("\n");
}

export const kdumpCommand: Command = {
  name: "kdump",
  summary: "load a crash kernel from the booted UKI (or a named entry), for kdump; never measured",
  help: `Usage: ukiboot kdump [ENTRY-ID] [--esp DIR] [--initrd FILE] [--config FILE] [--dry-run]

Loads a crash kernel (KEXEC_FILE_ON_CRASH) made from ENTRY-ID, by default the entry this system was booted
from. Its UKI and add-ons are verified as for a boot. When the policy lets the command line change, it is
the entry's own with crashkernel= and other production-only options removed and the crash options added
(${KDUMP_CONFIG_PATH}); under Secure Boot or enforce it stays the UKI's signed line and the crash options
come from signed kdump add-ons in <uki>.efi.extra.d/kdump/ and loader/addons/kdump/. The initrd is the
entry's own merged initrd, or a kdump initrd (--initrd, or "initrd" in the configuration). Nothing is
measured. Unload it with "ukiboot unload --crash".

Options:
${PARTITION_HELP}
  --initrd FILE    use FILE as the crash kernel's whole initrd (%k: the UKI's kernel version)
  --config FILE    read the kdump configuration from FILE (default: ${KDUMP_CONFIG_PATH})
  --dry-run        show what would be loaded, and load nothing
  -h, --help       show this help`,
  async run(args, io, platform) {
    const { values, positionals } = parseArgs({
      args,
      options: { ...PARTITION_OPTIONS, initrd: { type: "string" }, config: { type: "string" }, "dry-run": { type: "boolean" } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 1) throw new UsageError("expected at most one ENTRY-ID");
    if (values.initrd !== undefined && !values.initrd.startsWith("/")) throw new UsageError(`invalid --initrd "${values.initrd}": give an absolute path`);
    const sys = commandSys(platform, io, values);
    const { config, problems } = await readConfig(sys, values.config);
    for (const p of problems) sys.log.warn(p);
    const session = await sessionFor(sys, values);
    const dryRun = Boolean(values["dry-run"]);
    const loaded = await loadCrashKernel(sys, session, {
      config,
      ...(positionals[0] !== undefined ? { entryId: positionals[0] } : {}),
      ...(values.initrd !== undefined ? { initrd: values.initrd } : {}),
      dryRun,
    });
    io.stdout.write(describe(loaded, dryRun));
    return 0;
  },
};
