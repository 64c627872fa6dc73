/**
 * `ukiboot plan`, `load`, `exec`, `unload`: the steps of a boot one by one, on a running system as well as in
 * the initramfs. `plan` shows (or writes) exactly what would be loaded; `load` is `kexec -l`; `exec` starts
 * the loaded kernel; `unload` forgets it.
 */
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { BootError } from "../../errors.ts";
import { findEntryByPattern } from "../../bls/default-entry.ts";
import type { BootSession } from "../../flow/boot-session.ts";
import { loadEntry, planAndCheck } from "../../flow/load-entry.ts";
import { createSourceReader, sourceSize } from "../../bytes/byte-source.ts";
import { detectFormat } from "../../initrd/compression.ts";
import type { BootEntry } from "../../model/boot-entry.ts";
import { profileOf, ukiIdOf } from "../../model/entry-rules.ts";
import { formatPlanText, planToJson } from "../../report/format-plan.ts";
import type { LoadPlan } from "../../plan/load-plan.ts";
import type { ReadOnlyFs } from "../../ports/fs.ts";
import { commandSys, openCommandSession, PARTITION_HELP, PARTITION_OPTIONS } from "../common-options.ts";
import { UsageError, type Command } from "../command.ts";

const ENTRY_OPTIONS = {
  ...PARTITION_OPTIONS,
  profile: { type: "string" },
  cmdline: { type: "string" },
  append: { type: "string" },
  json: { type: "boolean" },
  force: { type: "boolean" },
} as const;

const ENTRY_HELP = `${PARTITION_HELP}
  --profile N      the profile N of a multi-profile UKI (default: the entry's own)
  --cmdline S      replace the entry's own command line, as an edit in the menu would; measured into
                   PCR 12. Refused when the entry boots a UKI with a signed .cmdline under Secure
                   Boot, lockdown, enforce or strict, whichever kind of entry names it
  --append S       add S to the entry's own command line (the same as --cmdline with S added), with
                   the same rules
  --force          load even when the initrd check finds members the kernel would drop
  --json           machine-readable output`;

/** The entry named on the command line (id or glob, with --profile), or the default one. */
export function selectEntry(session: BootSession, id: string | undefined, profile: string | undefined): BootEntry {
  const entries = session.discovery.entries;
  let index = id === undefined ? session.state.choice.index : findEntryByPattern(entries, id);
  if (index === undefined) {
    throw new BootError(
      id === undefined ? "Cannot choose an entry: there are no boot entries" : `Cannot find the entry "${id}"`,
      "Run ukiboot list to see the entry ids",
    );
  }
  if (profile !== undefined) {
    if (!/^\d+$/.test(profile)) throw new UsageError(`invalid --profile "${profile}": expected a number`);
    const base = ukiIdOf(entries[index]!);
    const p = entries.findIndex((e) => ukiIdOf(e) === base && (profileOf(e) ?? 0) === Number(profile));
    if (p < 0) throw new BootError(`Cannot find profile @${profile} of "${base}"`, "Run ukiboot list to see the profiles of each UKI");
    index = p;
  }
  return entries[index]!;
}

/** SHA-256 of pieces laid end to end (each followed by its NUL padding), read in 1 MiB steps. */
async function sha256Of(pieces: { read: (o: number, l: number) => Promise<Uint8Array>; size: number; padding: number }[]): Promise<string> {
  const h = createHash("sha256");
  for (const p of pieces) {
    for (let o = 0; o < p.size; o += 1 << 20) h.update(await p.read(o, Math.min(1 << 20, p.size - o)));
    h.update(new Uint8Array(p.padding));
  }
  return h.digest("hex");
}

/**
 * The format of each member's first bytes, and (with `digests`) the SHA-256 of the kernel and of the merged
 * initrd, which means reading them whole, so only the JSON form pays for it.
 */
async function describeForOutput(fs: ReadOnlyFs, plan: LoadPlan, opts: { digests: boolean }) {
  const readRange = (p: string, o: number, l: number) => fs.readRange(p, o, l);
  const formats = new Map<number, string>();
  for (const [i, m] of plan.initrd.members.entries()) {
    const head = await createSourceReader(m.member.source, readRange)(0, 64);
    formats.set(i, detectFormat(head).format);
  }
  if (!opts.digests) return { formats };
  const kernel = await sha256Of([{ read: createSourceReader(plan.kernel, readRange), size: sourceSize(plan.kernel), padding: 0 }]);
  const initrd = await sha256Of(plan.initrd.members.map((m) => ({ read: createSourceReader(m.member.source, readRange), size: m.size, padding: m.padding })));
  return { formats, digests: { kernel, initrd } };
}

export const planCommand: Command = {
  name: "plan",
  summary: "show exactly what would be loaded for an entry: kernel, merged initrd members, command line",
  help: `Usage: ukiboot plan [ENTRY-ID] [--esp DIR] [--profile N] [--cmdline S] [--append S] [--json]
                    [--write-kernel FILE] [--write-initrd FILE]

Composes what systemd-stub would hand the kernel for ENTRY-ID (default: the default entry): the kernel,
every member of the merged initrd in order with its offset, size and format, and the command line; checks
the initrd as the kernel will unpack it. Nothing is loaded. --json adds the SHA-256 of the kernel and of
the merged initrd.

Options:
${ENTRY_HELP}
  --write-kernel FILE   write the exact kernel bytes that would be loaded
  --write-initrd FILE   write the exact merged initrd that would be loaded
  -h, --help       show this help`,
  async run(args, io, platform) {
    const { values, positionals } = parseArgs({
      args,
      options: { ...ENTRY_OPTIONS, "write-kernel": { type: "string" }, "write-initrd": { type: "string" } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 1) throw new UsageError("expected at most one ENTRY-ID");
    const { sys, session } = await openCommandSession(platform, io, values);
    const entry = selectEntry(session, positionals[0], values.profile);
    const { plan, warnings } = await planAndCheck(sys, session, entry, {
      ...(values.cmdline !== undefined ? { editedCmdline: values.cmdline } : {}),
      ...(values.append !== undefined ? { append: values.append } : {}),
      force: Boolean(values.force),
    });
    for (const w of warnings) sys.log.warn(w);
    if (values["write-kernel"] || values["write-initrd"]) {
      await sys.kexec.writeFiles(plan, {
        ...(values["write-kernel"] ? { kernel: values["write-kernel"] } : {}),
        ...(values["write-initrd"] ? { initrd: values["write-initrd"] } : {}),
      });
    }
    const details = await describeForOutput(sys.fs, plan, { digests: Boolean(values.json) });
    io.stdout.write(values.json ? `${JSON.stringify(planToJson(plan, details), null, 2)}\n` : `${formatPlanText(plan, details)}\n`);
    return 0;
  },
};

export const loadCommand: Command = {
  name: "load",
  summary: "load an entry with kexec_file_load (like kexec -l); start it with ukiboot exec",
  help: `Usage: ukiboot load [ENTRY-ID] [--esp DIR] [--profile N] [--cmdline S] [--append S] [--measure]

Loads ENTRY-ID (default: the default entry) with kexec_file_load: its kernel, the merged initrd and the
command line systemd-stub would use. Start it with "ukiboot exec" or "systemctl kexec".

Nothing is measured into the TPM unless --measure is given: on a running system the PCRs describe the
system that runs now, and extending them for a kernel that may never start would make them describe
neither. A crash kernel is loaded with "ukiboot kdump".

Options:
${ENTRY_HELP}
  --measure        extend the PCRs as systemd-stub would, for a kernel that is started next
  -h, --help       show this help`,
  async run(args, io, platform) {
    const { values, positionals } = parseArgs({
      args,
      options: { ...ENTRY_OPTIONS, crash: { type: "boolean" }, measure: { type: "boolean" } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 1) throw new UsageError("expected at most one ENTRY-ID");
    if (values.crash) throw new UsageError("--crash is gone: load a crash kernel with ukiboot kdump, which makes one from the entry (docs/kdump.md)");
    const { sys, session } = await openCommandSession(platform, io, values);
    const entry = selectEntry(session, positionals[0], values.profile);
    const plan = await loadEntry(sys, session, entry, {
      ...(values.cmdline !== undefined ? { editedCmdline: values.cmdline } : {}),
      ...(values.append !== undefined ? { append: values.append } : {}),
      force: Boolean(values.force),
      measure: Boolean(values.measure),
    });
    io.stdout.write(`Loaded ${entry.id} with: ${plan.cmdline}\n`);
    return 0;
  },
};

export const execCommand: Command = {
  name: "exec",
  summary: "start the kernel loaded by ukiboot load (sync, then reboot into it)",
  help: `Usage: ukiboot exec

Syncs the filesystems and starts the kernel loaded by "ukiboot load" with reboot(LINUX_REBOOT_CMD_KEXEC),
like kexec -e. Services are not stopped: on a running system prefer "systemctl kexec".

Options:
  -h, --help   show this help`,
  async run(args, io, platform) {
    parseArgs({ args, options: {}, strict: true });
    const sys = commandSys(platform, io, {});
    if (sys.kexec.isLoaded() === false)
      throw new BootError("Cannot start a kernel: none is loaded (/sys/kernel/kexec_loaded is 0)", "Load one first with ukiboot load");
    sys.mounts.sync();
    await sys.kexec.exec();
    return 1;
  },
};

export const unloadCommand: Command = {
  name: "unload",
  summary: "unload the kernel loaded by ukiboot load (or the crash kernel with --crash)",
  help: `Usage: ukiboot unload [--crash]

Unloads the kexec image loaded with "ukiboot load" (KEXEC_FILE_UNLOAD).

Options:
  --crash      unload the crash kernel instead
  -h, --help   show this help`,
  async run(args, io, platform) {
    const { values } = parseArgs({ args, options: { crash: { type: "boolean" } }, strict: true });
    const sys = commandSys(platform, io, {});
    await sys.kexec.unload({ crash: Boolean(values.crash) });
    io.stdout.write(`Unloaded the ${values.crash ? "crash " : ""}kexec image.\n`);
    return 0;
  },
};
