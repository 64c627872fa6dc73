/**
 * `ukiboot status`: what is installed on the ESP and whether it is still current: the ukiboot in the boot
 * image against this one, the boot image against what was written, its kernel against what is in /boot, and
 * the firmware boot entry and its place in `BootOrder`.
 */
import { decodeBootOrder, bootVariableName } from "../../efi/boot-order.ts";
import { decodeLoadOption } from "../../efi/load-option.ts";
import { EFI_GLOBAL_GUID } from "../../efi/loader-vars.ts";
import { compareVersions } from "../../bls/version-compare.ts";
import { digest, toHex } from "../../bytes/digest.ts";
import type { InstallRecord } from "../../install/install-record.ts";
import type { InstallHost } from "../../ports/install-host.ts";
import type { Sys } from "../../ports/sys.ts";
import { VERSION } from "../../version.ts";
import { newestKernel } from "./boot-kernel.ts";
import { readInstallRecord } from "./install-ukiboot.ts";

export interface InstallStatus {
  readonly esp: string;
  readonly installed: boolean;
  readonly record?: InstallRecord;
  /** Each recorded file: whether it is still as written. */
  readonly files: readonly { readonly path: string; readonly state: "as installed" | "changed" | "missing" }[];
  readonly bootEntry?: {
    readonly name: string;
    readonly present: boolean;
    readonly active: boolean;
    readonly position: number | null;
    readonly orderLength: number;
  };
  /** The boot image's systemd-pcrlock file, when one was written. */
  readonly pcrlock?: { readonly path: string; readonly state: "as installed" | "changed" | "missing" };
  /** Why an update is due; empty when the boot image is current. */
  readonly updateDue: readonly string[];
}

const sha256 = (b: Uint8Array) => toHex(digest("sha256", b));

export function installStatus(sys: Sys, host: InstallHost, opts: { esp: string; binary: string }): InstallStatus {
  const record = readInstallRecord(host, opts.esp);
  if (!record) return { esp: opts.esp, installed: false, files: [], updateDue: [] };
  const files = record.files.map((f) => {
    const bytes = host.readFile(`${opts.esp}/${f.path}`);
    return { path: f.path, state: !bytes ? ("missing" as const) : sha256(bytes) === f.sha256 ? ("as installed" as const) : ("changed" as const) };
  });
  const due: string[] = [];
  const kernel = host.readFile(record.kernel.path);
  if (!kernel) due.push(`its kernel ${record.kernel.path} is gone`);
  else if (sha256(kernel) !== record.kernel.sha256) due.push(`its kernel ${record.kernel.path} changed`);
  if (!record.kernel.given) {
    const newest = newestKernel(host);
    if (newest && compareVersions(newest.release, record.kernel.release) > 0) due.push(`a newer kernel ${newest.path} is installed`);
  }
  const binary = host.readFile(opts.binary);
  if (binary && sha256(binary) !== record.ukiboot.sha256) due.push(`this ukiboot (${VERSION}) is not the one in the boot image (${record.ukiboot.version})`);
  for (const f of files) if (f.state !== "as installed") due.push(`${f.path} is ${f.state}`);
  let pcrlock: InstallStatus["pcrlock"];
  if (record.pcrlock) {
    const bytes = host.readFile(record.pcrlock.path);
    pcrlock = { path: record.pcrlock.path, state: !bytes ? "missing" : sha256(bytes) === record.pcrlock.sha256 ? "as installed" : "changed" };
    if (pcrlock.state !== "as installed") due.push(`${pcrlock.path} is ${pcrlock.state}`);
  }
  let bootEntry: InstallStatus["bootEntry"];
  if (record.bootEntry && sys.efivars.available) {
    const name = bootVariableName(record.bootEntry.number);
    const v = sys.efivars.read({ name, guid: EFI_GLOBAL_GUID });
    const order = sys.efivars.read({ name: "BootOrder", guid: EFI_GLOBAL_GUID });
    const list = order ? decodeBootOrder(order.data) : [];
    const at = list.indexOf(record.bootEntry.number);
    let active = false;
    if (v) {
      try {
        active = decodeLoadOption(v.data, name).active;
      } catch {
        active = false;
      }
    }
    bootEntry = { name, present: v !== null, active, position: at >= 0 ? at + 1 : null, orderLength: list.length };
  }
  return { esp: opts.esp, installed: true, record, files, ...(bootEntry ? { bootEntry } : {}), ...(pcrlock ? { pcrlock } : {}), updateDue: due };
}

/** The text `ukiboot status` prints. */
export function formatInstallStatus(s: InstallStatus): string {
  if (!s.installed || !s.record) return `ukiboot is not installed on "${s.esp}".\n`;
  const r = s.record;
  const lines = [
    `ESP: ${s.esp}`,
    `Installed: ukiboot ${r.ukiboot.version}, ${r.installedAt}, layout ${r.layout}`,
    `Boot image: ${r.files[0]?.path ?? "(none)"} (${s.files[0]?.state ?? "missing"}), ${r.signing ? `signed by ${r.signing.subject}` : "unsigned"}`,
    `Kernel: ${r.kernel.path} (${r.kernel.release}), ${r.kernel.given ? "given with --kernel" : "following the newest installed"}; initramfs by ${r.initramfs.builder}`,
    `Command line: ${r.cmdline}`,
  ];
  for (const f of s.files.slice(1)) lines.push(`File: ${f.path} (${f.state})`);
  if (r.bootEntry) {
    const e = s.bootEntry;
    lines.push(
      !e
        ? `Boot entry: ${bootVariableName(r.bootEntry.number)} (EFI variables cannot be read here)`
        : !e.present
          ? `Boot entry: ${e.name} is gone`
          : `Boot entry: ${e.name} "${r.bootEntry.description}", ${e.active ? "active" : "inactive"}, ${e.position ? `${e.position} of ${e.orderLength} in BootOrder` : "not in BootOrder"}`,
    );
  } else lines.push("Boot entry: none (installed with --no-boot-entry)");
  lines.push(s.pcrlock ? `pcrlock file: ${s.pcrlock.path} (${s.pcrlock.state})` : "pcrlock file: none");
  lines.push(s.updateDue.length ? `Update due: yes: ${s.updateDue.join("; ")}` : "Update due: no");
  return `${lines.join("\n")}\n`;
}
