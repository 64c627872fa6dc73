/**
 * What `ukiboot remove` undoes, decided from the install record and what the ESP and the EFI variables hold
 * now: only files still as ukiboot wrote them are deleted, a replaced file is put back, and the boot entry
 * goes only while it still starts ukiboot's image. Whatever changed since is left, with a sentence.
 */
import { without } from "../efi/boot-order.ts";
import type { LoadOption } from "../efi/load-option.ts";
import type { InstallRecord } from "./install-record.ts";

export interface CurrentState {
  /** SHA-256 of each recorded path and backup as it is now; absent paths are missing. */
  readonly digests: ReadonlyMap<string, string>;
  /** The `Boot####` of the record's number as it is now, when it exists. */
  readonly bootEntry?: LoadOption;
  readonly bootOrder?: readonly number[];
  /** SHA-256 of the recorded pcrlock file as it is now; absent when it is missing. */
  readonly pcrlockDigest?: string;
}

export interface RemovalPlan {
  readonly deletes: readonly string[];
  /** Backups moved back to where they came from. */
  readonly restores: readonly { readonly backup: string; readonly path: string }[];
  /** What stays, and why. */
  readonly kept: readonly string[];
  readonly deleteBootEntry: number | null;
  /** The new `BootOrder`, when it changes. */
  readonly bootOrder: readonly number[] | null;
  /** The pcrlock file to delete: still as written. */
  readonly deletePcrlock: string | null;
}

const toEspPath = (file: string) => file.replace(/^\\/, "").replaceAll("\\", "/");

export function planRemoval(record: InstallRecord, now: CurrentState): RemovalPlan {
  const deletes: string[] = [];
  const restores: { backup: string; path: string }[] = [];
  const kept: string[] = [];
  for (const f of record.files) {
    const current = now.digests.get(f.path);
    const ours = current === f.sha256;
    if (current !== undefined && !ours) {
      kept.push(`"${f.path}" changed since ukiboot installed it, so it stays${f.replaced ? `, and the original stays at "${f.replaced.backup}"` : ""}`);
      continue;
    }
    if (ours) deletes.push(f.path);
    if (f.replaced) {
      if (now.digests.get(f.replaced.backup) === f.replaced.sha256) restores.push({ backup: f.replaced.backup, path: f.path });
      else kept.push(`the original of "${f.path}" is no longer at "${f.replaced.backup}" as ukiboot kept it, so nothing is put back there`);
    }
  }
  let deleteBootEntry: number | null = null;
  let bootOrder: number[] | null = null;
  if (record.bootEntry) {
    const n = record.bootEntry.number;
    const e = now.bootEntry;
    const startsOurImage = e?.file !== undefined && record.files.some((f) => f.path.toLowerCase() === toEspPath(e.file!).toLowerCase());
    if (e && startsOurImage) deleteBootEntry = n;
    else if (e)
      kept.push(`the firmware boot entry ${n.toString(16).toUpperCase().padStart(4, "0")} ("${e.description}") no longer starts ukiboot, so it stays`);
    if (now.bootOrder?.includes(n) && (startsOurImage || !e)) bootOrder = without(now.bootOrder, n);
  }
  let deletePcrlock: string | null = null;
  if (record.pcrlock && now.pcrlockDigest !== undefined) {
    if (now.pcrlockDigest === record.pcrlock.sha256) deletePcrlock = record.pcrlock.path;
    else kept.push(`"${record.pcrlock.path}" changed since ukiboot wrote it, so it stays`);
  }
  return { deletes, restores, kept, deleteBootEntry, bootOrder, deletePcrlock };
}
