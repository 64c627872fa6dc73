/**
 * The load path, one entry from plan to a loaded kernel, as a pipeline of one-concept steps (src/flow/load/):
 * 1. the command-line rule for a person's edit (src/model/command-line-rule.ts);
 * 2. seal the signed files and read the entry again from its seal (load/seal.ts);
 * 3. judge it: the one verdict the menu and `list --signatures` also ask (judge-entry.ts);
 * 4. plan what the stub would hand the kernel, seal every file the plan reads, and plan again from the seal;
 * 5. classify the kernel (load/check-kernel.ts);
 * 6. check the merged initrd against that kernel (load/check-initrd.ts);
 * 7. load, then 8. measure as systemd-stub would (load/load-and-measure.ts).
 * A crash kernel is the same path with a PlanTransform (load-crash-kernel.ts).
 */
import { BootError } from "../errors.ts";
import type { BootEntry } from "../model/boot-entry.ts";
import { ukiOf } from "../model/entry-rules.ts";
import { mayChangeCmdline } from "../model/command-line-rule.ts";
import { appendCmdline } from "../cmdline/compose.ts";
import type { LoadPlan } from "../plan/load-plan.ts";
import { buildPlan, sectionContents } from "../plan/build-plan.ts";
import { createSourceReader, sourceSize } from "../bytes/byte-source.ts";
import type { Sys } from "../ports/sys.ts";
import { type BootSession, trustStateOf } from "./boot-session.ts";
import { verifyEntry } from "./judge-entry.ts";
import { fetchEntry } from "./fetch-entry.ts";
import { sealPlan, sealSignedFiles } from "./load/seal.ts";
import { checkKernel } from "./load/check-kernel.ts";
import { checkInitrd } from "./load/check-initrd.ts";
import { loadAndMeasure } from "./load/load-and-measure.ts";
import type { CheckedPlan, LoadOptions } from "./load/load-options.ts";

export type { CheckedPlan, LoadOptions, PlanTransform } from "./load/load-options.ts";

/**
 * The plan of `entry` under the firmware's Secure Boot state, checked: signatures, kernel image and merged
 * initrd. A network entry is fetched first and checked as the UKI it downloads (docs/network.md §5).
 */
export async function planAndCheck(sys: Sys, session: BootSession, listed: BootEntry, opts: LoadOptions = {}): Promise<CheckedPlan> {
  if (listed.kind !== "uki-url") return { ...(await checkedPlan(sys, session, listed, opts, false)), release: () => undefined };
  const download = opts.onProgress;
  const fetched = await fetchEntry(
    sys,
    listed,
    session.network,
    download ? (p) => download({ phase: "download", done: p.received, total: p.total ?? p.received }) : undefined,
  );
  try {
    const checked = await checkedPlan(sys, session, fetched.entry, opts, true);
    // Messages name the URL, not the memory file it was read from.
    const named = (s: string) => s.replaceAll(fetched.file.path, listed.url);
    return {
      ...checked,
      plan: { ...checked.plan, label: listed.url, notes: checked.plan.notes.map(named) },
      warnings: checked.warnings.map(named),
      release: fetched.close,
    };
  } catch (e) {
    fetched.close();
    if (e instanceof BootError) throw new BootError(e.message.replaceAll(fetched.file.path, listed.url), e.hint, { cause: e });
    throw e;
  }
}

async function checkedPlan(sys: Sys, session: BootSession, entry: BootEntry, opts: LoadOptions, sealed: boolean): Promise<Omit<CheckedPlan, "release">> {
  const trust = trustStateOf(session);
  const append = opts.append ?? "";
  if (opts.editedCmdline !== undefined || append !== "") {
    // One rule for every way a person changes a command line: the menu's editor, --cmdline and --append.
    // It is the rule the plan applies to entry options below, asked of the same image (docs/trust.md §5).
    const ok = mayChangeCmdline(entry, trust);
    if (ok !== true) throw new BootError(ok.reason, ok.hint);
  }
  const edited = append !== "" ? appendCmdline(opts.editedCmdline ?? entry.options, append) : opts.editedCmdline;
  // What is verified is sealed first, and read from the seal from then on: a writer on the ESP cannot change
  // it between the check and the load (docs/trust.md §4).
  const target = opts.transform ? opts.transform.entry(entry) : entry;
  // A fetched UKI is in a memory file sealed against writes: it is its own snapshot.
  const streamed = session.trust.policy.mode !== "off" && !sealed ? await sealSignedFiles(sys, entry, target) : undefined;
  // Signatures first: under enforce an unverified UKI is refused and unverified add-ons are left out.
  const verified = await verifyEntry(sys, session.trust, target, streamed);
  opts.transform?.verified(verified.entry, verified.warnings);
  const planned = async () => {
    const built = await buildPlan(sys.fs, verified.entry, { ...(edited !== undefined ? { editedCmdline: edited } : {}), trust });
    return { built, plan: opts.transform ? await opts.transform.plan(sys, built) : built };
  };
  // A fetched UKI is sealed by the network layer; anything else its plan reads is sealed here.
  const fetchedImage = sealed ? ukiOf(entry)?.path : undefined;
  const { built, plan: first } = await sealPlan(sys, entry, planned, fetchedImage);
  const { plan, kernel } = await checkKernel(sys, first);
  const problems = await checkInitrd(sys, plan, built.kernel, opts.force === true);
  return { plan, warnings: [...verified.warnings, ...plan.notes, ...problems.map((p) => p.message)], kernel, digests: verified.digests };
}

/** Plans, checks, loads and measures one entry. @throws BootError/SysCallError with the reason it cannot boot */
export async function loadEntry(sys: Sys, session: BootSession, entry: BootEntry, opts: LoadOptions = {}): Promise<LoadPlan> {
  try {
    return await checkLoadMeasure(sys, session, entry, opts);
  } finally {
    // The kernel holds its own copy of what it loaded (or nothing is loaded): the sealed copies can go.
    sys.snapshots.release();
  }
}

async function checkLoadMeasure(sys: Sys, session: BootSession, entry: BootEntry, opts: LoadOptions): Promise<LoadPlan> {
  const planned = await planAndCheck(sys, session, entry, opts);
  try {
    const plan = await loadAndMeasure(sys, session, entry, opts, planned);
    return opts.readSplash ? await withSplash(sys, plan) : plan;
  } finally {
    planned.release();
  }
}

/** The plan with its UKI's `.splash` (its VirtualSize bytes, as the stub reads it), read from the same sealed copy that was verified and measured. */
async function withSplash(sys: Sys, plan: LoadPlan): Promise<LoadPlan> {
  const section = plan.uki?.image.sections[".splash"];
  if (!plan.uki || !section) return plan;
  const source = sectionContents(plan.uki.image, section);
  const splash = await createSourceReader(source, (p, o, l) => sys.fs.readRange(p, o, l))(0, sourceSize(source));
  return { ...plan, splash };
}
