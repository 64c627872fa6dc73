/**
 * The pipeline's sealing steps (docs/trust.md §4): the signed files before they are verified, the entry read
 * again from its sealed file, and then every other file the plan reads, with the plan made again from the seal.
 */
import { BootError } from "../../errors.ts";
import type { BootEntry } from "../../model/boot-entry.ts";
import { addonsOf, plainKernelOf, ukiOf } from "../../model/entry-rules.ts";
import type { LoadPlan } from "../../plan/load-plan.ts";
import { fileAt, filesOfPlan, firstDifference } from "../../plan/plan-files.ts";
import { rediscoverEntry } from "../../bls/discover-entries.ts";
import type { Sys } from "../../ports/sys.ts";
import type { StreamedDigest } from "../../trust/authenticode-stream.ts";

/**
 * Seals the files whose signatures a boot of `target` checks, then reads `listed` again from its sealed file.
 * Each copy's Authenticode SHA-256 is taken from the very bytes written into it, in the same pass, so
 * verifying it does not read it again: by path, for those whose layout allows one pass.
 */
export async function sealSignedFiles(sys: Sys, listed: BootEntry, target: BootEntry): Promise<ReadonlyMap<string, StreamedDigest>> {
  const digests = await sys.snapshots.take(signedFilesOf(target), () => ["sha256"]);
  await confirmUnchanged(sys, listed);
  return digests;
}

/**
 * Seals every file the plan reads (credentials, extensions, `extra` files, Type #1 initrds, a kdump initrd,
 * besides the images sealed before verification), plans again from the sealed copies and requires the same
 * plan. From then on the initrd check, both loads and the measurements read the same bytes, whatever is
 * written to the ESP meanwhile (docs/trust.md §4).
 * @throws BootError naming the file that changed between the two plans
 */
export async function sealPlan<T extends { plan: LoadPlan }>(sys: Sys, entry: BootEntry, planned: () => Promise<T>, alreadySealed?: string): Promise<T> {
  const first = await planned();
  await sys.snapshots.take(filesOfPlan(first.plan).filter((p) => p !== alreadySealed));
  const again = await planned();
  const changed = firstDifference(first.plan, again.plan);
  if (changed !== null) {
    const file = fileAt(first.plan, changed) ?? fileAt(again.plan, changed);
    throw new BootError(
      `Cannot boot "${entry.path}": ${file ? `"${file}"` : "a file it loads"} changed on disk while ukiboot read it (the plan's ${changed} differs once it is sealed)`,
      "Try again; if it keeps happening, something is rewriting the ESP while ukiboot runs",
    );
  }
  return again;
}

/**
 * After sealing, the entry is read again from its own sealed file with the discovery code and must be what was
 * listed: its section table, its .cmdline and .uname, its add-ons. Otherwise a file swapped between listing
 * and sealing could pair a verified image with text read from another (docs/trust.md §4).
 * @throws BootError when it changed
 */
async function confirmUnchanged(sys: Sys, entry: BootEntry): Promise<void> {
  const again = await rediscoverEntry(sys.fs, entry);
  const strip = (e: BootEntry) => ({ ...e, showTitle: "" });
  const changed = again ? firstDifference(strip(entry), strip(again)) : "(the entry is gone)";
  if (changed !== null) {
    throw new BootError(
      `Cannot boot "${entry.path}": it changed on disk after it was listed`,
      "Try again; if it keeps happening, something is rewriting the ESP while ukiboot runs",
    );
  }
}

/** The files whose signatures a boot of `entry` checks: its UKI or plain kernel, and its add-ons. */
function signedFilesOf(entry: BootEntry): string[] {
  const main = ukiOf(entry) ?? plainKernelOf(entry);
  return [...(main ? [main.path] : []), ...addonsOf(entry).map((a) => a.path)];
}
