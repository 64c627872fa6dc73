/** `ukiboot inspect FILE`: what a PE file is to a boot loader, section by section and profile by profile. */
import { parseArgs } from "node:util";
import { UsageError, type Command } from "../command.ts";
import { commandSys } from "../common-options.ts";
import { inspectPeFile, type InspectReport } from "../../report/inspect-pe.ts";
import { efiArchOfNodeArch } from "../../pe/efi-arch.ts";
import { loadTrustContext } from "../../flow/trust-context.ts";
import { readLoaderVars } from "../../flow/loader-state.ts";
import { inspectTrust, type InspectTrust } from "../../report/inspect-trust.ts";

function formatTrust(t: InspectTrust): string[] {
  const v = t.signature.verdict;
  const out = [`signature:  ${v.status === "verified" ? `verified: signed by "${v.signer}", trusted through ${v.anchor}` : `${v.status}: ${v.reason}`}`];
  if (t.signature.imageSha256) out.push(`authenticode sha256: ${t.signature.imageSha256}`);
  for (const s of t.signature.signatures)
    out.push(`  signature at 0x${s.offset.toString(16)}: ${s.status}${s.signer ? ` by "${s.signer.subject}"` : ""}${s.reason ? ` (${s.reason})` : ""}`);
  if (t.kernel) out.push(`kernel:     ${t.kernel.kexec}`);
  for (const p of t.pcr11 ?? []) out.push(`pcr11 @${p.profile}:  ${p.sha256} (sha256, from zero, before any boot phase)`);
  return out;
}

function formatReport(r: InspectReport): string {
  const out = [
    `file:       ${r.path} (${r.fileSize} bytes)`,
    `kind:       ${r.kind === "uki" ? "Unified Kernel Image" : r.kind === "addon" ? "UKI add-on" : "plain PE image"}`,
    `machine:    ${r.machine}${r.arch ? ` (${r.arch})` : ""}${r.native ? "" : " (not native: ukiboot ignores it)"}`,
    `signed:     ${r.signed ? "yes (has a certificate table)" : "no"}`,
    ...(r.kernelFormat ? [`linux:      ${r.kernelFormat}`] : []),
    "sections:",
    ...r.sections.map(
      (s) =>
        `  ${String(s.index).padStart(3)} ${s.name.padEnd(9)} offset 0x${s.fileOffset.toString(16).padStart(8, "0")}  virtual ${String(s.virtualSize).padStart(10)}  raw ${String(s.sizeOfRawData).padStart(10)}  sha256 ${s.sha256}`,
    ),
  ];
  for (const p of r.profiles ?? []) {
    out.push(`profile @${p.profile}${p.id ? ` (${p.id})` : ""}${p.title ? `: ${p.title}` : ""}`);
    if (p.error) out.push(`  problem:  ${p.error}`);
    if (p.name) out.push(`  name:     ${p.name}`);
    if (p.version) out.push(`  version:  ${p.version}`);
    if (p.uname) out.push(`  uname:    ${p.uname}`);
    if (p.cmdline !== undefined) out.push(`  cmdline:  ${p.cmdline}`);
    out.push(`  sections: ${p.sections.map((s) => s.name).join(" ")}`);
  }
  if (r.addon) {
    out.push(`add-on:     ${r.addon.usable ? "usable" : `refused: ${r.addon.defect}`}`);
    out.push(`  contributes: ${r.addon.contributes.join(" ")}`);
    if (r.addon.cmdline !== undefined) out.push(`  cmdline:  ${r.addon.cmdline}`);
    if (r.addon.uname !== undefined) out.push(`  uname:    ${r.addon.uname}`);
  }
  if (r.sbat)
    out.push(
      "sbat:",
      ...r.sbat
        .trimEnd()
        .split("\n")
        .map((l) => `  ${l}`),
    );
  return `${out.join("\n")}\n`;
}

export const inspectCommand: Command = {
  name: "inspect",
  summary: "describe a UKI, add-on or PE file: sections, profiles, os-release, cmdline",
  help: `Usage: ukiboot inspect FILE [--json] [--trust CERT…] [--efivarfs DIR]

Describes what FILE is to a boot loader (UKI, add-on or plain PE): its sections with file offsets,
sizes and SHA-256 of their contents, each profile with its effective sections, os-release fields,
uname and command line, and for an add-on what it contributes. Also its Authenticode signature and the
verdict against the trust anchors (built in, --trust, UEFI db and MokListRT; dbx revokes), whether the
UKI's .linux is signed itself (what kexec_file_load checks under lockdown), and per profile the PCR 11
value systemd-stub's measurements produce from zero.

Options:
  --json           machine-readable output
  --trust CERT     also trust this certificate (PEM or DER); repeatable
  --efivarfs DIR   read db, dbx and MokListRT from DIR instead of /sys/firmware/efi/efivars
  -h, --help       show this help`,
  async run(args, io, platform) {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: "boolean" }, trust: { type: "string", multiple: true }, efivarfs: { type: "string" } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError(`expected exactly one FILE, got ${positionals.length}`);
    const arch = efiArchOfNodeArch(process.arch) ?? "x64";
    const path = positionals[0]!;
    const sys = commandSys(platform, io, values);
    const report = await inspectPeFile(sys.fs, path, { arch });
    const trust = await loadTrustContext(sys, readLoaderVars(sys.efivars).secureBoot, values.trust ? { trustFiles: values.trust } : {});
    for (const p of trust.problems) sys.log.warn(p);
    const t = await inspectTrust(sys.fs, path, { store: trust.store, lockdown: trust.lockdown });
    io.stdout.write(values.json ? `${JSON.stringify({ ...report, ...t }, null, 2)}\n` : `${formatReport(report)}${formatTrust(t).join("\n")}\n`);
    return 0;
  },
};
