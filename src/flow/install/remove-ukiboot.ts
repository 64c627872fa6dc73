/**
 * `ukiboot remove`: undoes what the install record says was done, and only what is still as it was done
 * (src/install/removal-plan.ts): the files, the fallback loader put back, the boot entry and its place in
 * `BootOrder`, the directories the install made, and last the record itself.
 */
import { decodeBootOrder, bootVariableName, encodeBootOrder } from "../../efi/boot-order.ts";
import { ATTRS_PERSISTENT } from "../../efi/efivar-codec.ts";
import { decodeLoadOption, type LoadOption } from "../../efi/load-option.ts";
import { EFI_GLOBAL_GUID } from "../../efi/loader-vars.ts";
import { digest, toHex } from "../../bytes/digest.ts";
import { INSTALL_RECORD_PATH } from "../../install/install-record.ts";
import { planRemoval } from "../../install/removal-plan.ts";
import type { InstallHost } from "../../ports/install-host.ts";
import type { Sys } from "../../ports/sys.ts";
import { readInstallRecord } from "./install-ukiboot.ts";

export interface RemoveReport {
  /** false when there was nothing to remove. */
  readonly removed: boolean;
  readonly lines: readonly string[];
}

export function removeUkiboot(sys: Sys, host: InstallHost, esp: string): RemoveReport {
  const record = readInstallRecord(host, esp);
  if (!record) return { removed: false, lines: [`ukiboot is not installed on "${esp}": there is no ${INSTALL_RECORD_PATH}.`] };
  const onEsp = (p: string) => `${esp}/${p}`;
  const digests = new Map<string, string>();
  for (const f of record.files) {
    for (const p of [f.path, ...(f.replaced ? [f.replaced.backup] : [])]) {
      const bytes = host.readFile(onEsp(p));
      if (bytes) digests.set(p, toHex(digest("sha256", bytes)));
    }
  }
  let bootEntry: LoadOption | undefined;
  let bootOrder: number[] | undefined;
  if (record.bootEntry && sys.efivars.available) {
    const name = bootVariableName(record.bootEntry.number);
    const v = sys.efivars.read({ name, guid: EFI_GLOBAL_GUID });
    if (v) {
      try {
        bootEntry = decodeLoadOption(v.data, name);
      } catch {
        // An entry ukiboot cannot read is not one it wrote: it stays.
        bootEntry = { active: false, description: "(unreadable)", optionalData: new Uint8Array(0) };
      }
    }
    const order = sys.efivars.read({ name: "BootOrder", guid: EFI_GLOBAL_GUID });
    if (order) bootOrder = decodeBootOrder(order.data);
  }
  const pcrlock = record.pcrlock ? host.readFile(record.pcrlock.path) : null;
  const plan = planRemoval(record, {
    digests,
    ...(bootEntry ? { bootEntry } : {}),
    ...(bootOrder ? { bootOrder } : {}),
    ...(pcrlock ? { pcrlockDigest: toHex(digest("sha256", pcrlock)) } : {}),
  });
  const lines: string[] = [];
  for (const p of plan.deletes) {
    host.remove(onEsp(p));
    lines.push(`Removed ${p}.`);
  }
  for (const r of plan.restores) {
    host.rename(onEsp(r.backup), onEsp(r.path));
    lines.push(`Put back ${r.path}.`);
  }
  if (plan.deleteBootEntry !== null) {
    sys.efivars.remove({ name: bootVariableName(plan.deleteBootEntry), guid: EFI_GLOBAL_GUID });
    lines.push(`Removed ${bootVariableName(plan.deleteBootEntry)}.`);
  }
  if (plan.bootOrder) {
    sys.efivars.write({ name: "BootOrder", guid: EFI_GLOBAL_GUID }, { attributes: ATTRS_PERSISTENT, data: encodeBootOrder(plan.bootOrder) });
    lines.push(`BootOrder is ${plan.bootOrder.map((n) => n.toString(16).toUpperCase().padStart(4, "0")).join(",") || "empty"} again.`);
  }
  if (plan.deletePcrlock) {
    host.remove(plan.deletePcrlock);
    lines.push(`Removed ${plan.deletePcrlock}.`);
  }
  for (const k of plan.kept) lines.push(`Left in place: ${k}.`);
  host.remove(onEsp(INSTALL_RECORD_PATH));
  // Deepest first, so a parent empties after its children; a directory that still holds anything stays.
  for (const d of [...record.directories].sort((a, b) => b.length - a.length)) host.removeEmptyDir(onEsp(d));
  return { removed: true, lines };
}
