/**
 * The one verdict on an entry under the signature policy (docs/trust.md §4). The loader (before it plans), the
 * menu (its "refused" marker) and `list --signatures` all ask it, so an entry the menu shows as bootable is
 * one the loader boots, and `list` says why of the same checks in the same order: the kind under the mode,
 * revocations that cannot be read, the signature of the UKI or plain kernel, its SBAT generation, and, for
 * the loader, each add-on.
 */
import type { BootAddon, BootEntry } from "../model/boot-entry.ts";
import { addonsOf, kindAllowed, plainKernelOf, ukiOf } from "../model/entry-rules.ts";
import type { Sys } from "../ports/sys.ts";
import { fromHex } from "../bytes/digest.ts";
import type { StreamedDigest } from "../trust/authenticode-stream.ts";
import type { SignatureReport } from "../trust/verify-authenticode.ts";
import { decideAddon, decideUki, isEnforcing } from "../trust/verify-policy.ts";
import { BootError } from "../errors.ts";
import { kernelSbatRevocation, sbatRevocation, type TrustContext, verifyPeFile } from "./trust-context.ts";

/** What `list --signatures` prints of an entry's UKI or kernel: who signed it, through which anchor, or why not. */
export interface SignatureLine {
  file: string | null;
  status: "none" | "verified" | "unsigned" | "untrusted" | "revoked" | "bad";
  text: string;
  signer?: string;
  anchor?: string;
}

/** Why the policy refuses an entry. */
export interface Refusal {
  /** The sentence for an error: "Cannot boot …: …". */
  message: string;
  /** The reason alone, for the menu's details. */
  reason: string;
  hint: string;
}

export interface EntryJudgement {
  /** undefined when the entry may boot. */
  refusal?: Refusal;
  /** The entry with the add-ons that may be used (the loader's question only; otherwise all of them). */
  entry: BootEntry;
  /** Sentences for the console about what is used although it does not verify, or is left out. */
  warnings: string[];
  /** The Authenticode SHA-256 of each image verified, by path, for the PCR 4 measurement of the same sealed bytes. */
  digests: Map<string, Uint8Array>;
  signature: SignatureLine;
}

export interface JudgeOptions {
  /** Judge the add-ons too (the loader); the menu and `list` judge the image an entry boots. */
  addons?: boolean;
  /** Verify the image even when the mode is off (`list --signatures` reports signatures whatever the mode). */
  verifyWhenOff?: boolean;
  /** Reports already made, by path: profiles of one UKI share one verification. */
  reports?: Map<string, SignatureReport>;
  /**
   * Only the refusal is wanted (the menu's marker): under a mode that does not enforce no signature verdict
   * refuses (decideUki), so the image is not hashed, which before a hidden menu cost the unattended boot a
   * whole SHA-256 of every UKI (docs/boot-time.md §4).
   */
  refusalOnly?: boolean;
  /** Authenticode digests taken while the files were sealed, by path (load/seal.ts). */
  streamed?: ReadonlyMap<string, StreamedDigest>;
}

async function report(sys: Sys, trust: TrustContext, path: string, opts: JudgeOptions): Promise<SignatureReport> {
  const cache = opts.reports;
  const known = cache?.get(path);
  if (known) return known;
  const r = await verifyPeFile(sys.fs, path, trust.store, opts.streamed?.get(path)).catch(
    (e: Error): SignatureReport => ({ verdict: { status: "bad", reason: e.message } }) as SignatureReport,
  );
  cache?.set(path, r);
  return r;
}

function signatureLine(file: string, r: SignatureReport, revoked: string | undefined): SignatureLine {
  const v = r.verdict;
  if (revoked !== undefined) return { file, status: "revoked", text: `revoked: ${revoked}` };
  if (v.status === "verified")
    return { file, status: "verified", signer: v.signer, anchor: v.anchor, text: `verified: signed by "${v.signer}", trusted through ${v.anchor}` };
  return { file, status: v.status, text: `${v.status}: ${v.reason}` };
}

/** The verdict on `entry` under `trust`'s policy; never throws for a file that cannot be read (that is a verdict too). */
export async function judgeEntry(sys: Sys, trust: TrustContext, entry: BootEntry, opts: JudgeOptions = {}): Promise<EntryJudgement> {
  const mode = trust.policy.mode;
  const digests = new Map<string, Uint8Array>();
  const warnings: string[] = [];
  const image = ukiOf(entry);
  const signed = image ?? plainKernelOf(entry);
  const allowed = kindAllowed(entry, mode);
  // The image is verified when the policy asks (any mode but off, for a kind it allows) or the caller does (list --signatures).
  const wanted = mode !== "off" && !(opts.refusalOnly && !isEnforcing(mode));
  const checked = signed && ((allowed === true && wanted) || opts.verifyWhenOff) ? await report(sys, trust, signed.path, opts) : undefined;
  // SBAT, for a UKI and a plain kernel alike, against the same level.
  const revoked = signed && checked ? (image ? await sbatRevocation(sys.fs, trust, image) : await kernelSbatRevocation(sys.fs, trust, signed)) : undefined;
  const signature: SignatureLine = !signed
    ? { file: null, status: "none", text: "no image to verify" }
    : checked
      ? signatureLine(signed.path, checked, checked.verdict.status === "verified" ? revoked : undefined)
      : { file: signed.path, status: "none", text: "not verified: signatures are off" };
  if (allowed !== true) return { refusal: { message: allowed.reason, reason: allowed.reason, hint: allowed.hint }, entry, warnings, digests, signature };
  if (!signed || !checked || mode === "off") return { entry, warnings, digests, signature };
  const r = checked;

  const refuse = (reason: string, hint: string): EntryJudgement => ({
    refusal: { message: `Cannot boot "${signed.path}": ${reason}`, reason, hint },
    entry,
    warnings,
    digests,
    signature,
  });
  if (trust.revocationsUnknown) {
    if (isEnforcing(mode)) return refuse(trust.revocationsUnknown, "Repair or clear the revocation list in the firmware setup, or boot with Secure Boot off");
    warnings.push(`"${signed.path}" may be revoked: ${trust.revocationsUnknown}`);
  }
  if (r.imageSha256 !== undefined) digests.set(signed.path, fromHex(r.imageSha256)!);
  const decision = decideUki(r.verdict, mode);
  const signHint = image ? "Sign the UKI with a trusted key, or choose another entry" : "Sign the kernel with a trusted key (sbsign), or choose another entry";
  if (!decision.bootable) return refuse(decision.reason ?? r.verdict.status, decision.hint ?? signHint);
  if (r.verdict.status !== "verified") warnings.push(`"${signed.path}": ${decision.reason} (${trust.policy.explanation})`);
  if (revoked !== undefined) {
    const newer = image
      ? "Install a newer build of this UKI: its vendor raised the minimum generation after a vulnerability"
      : "Install a newer build of this kernel: its vendor raised the minimum generation after a vulnerability";
    if (isEnforcing(mode)) return refuse(revoked, newer);
    warnings.push(`"${signed.path}": ${revoked}`);
  }
  if (!opts.addons || !image || entry.kind === "type1-linux" || entry.kind === "uki-url") return { entry, warnings, digests, signature };

  const addons: BootAddon[] = [];
  for (const a of addonsOf(entry)) {
    const ar = await report(sys, trust, a.path, opts);
    if (ar.imageSha256 !== undefined) digests.set(a.path, fromHex(ar.imageSha256)!);
    const d = decideAddon(ar.verdict, mode, a.fileName);
    if (d.problem) warnings.push(d.problem);
    const addonRevoked = d.use ? await sbatRevocation(sys.fs, trust, a) : undefined;
    if (addonRevoked !== undefined && isEnforcing(mode)) {
      warnings.push(`Ignoring add-on "${a.fileName}": ${addonRevoked}`);
      continue;
    }
    if (addonRevoked !== undefined) warnings.push(`Using add-on "${a.fileName}" although ${addonRevoked}`);
    if (d.use) addons.push(a);
  }
  return { entry: { ...entry, addons }, warnings, digests, signature };
}

/** What verifying an entry leaves: the entry with the add-ons that may be used, warnings, and the digests computed. */
export interface VerifiedEntry {
  entry: BootEntry;
  warnings: string[];
  /** The Authenticode SHA-256 of each image verified, by path, for the PCR 4 measurement of the same sealed bytes. */
  digests: Map<string, Uint8Array>;
}

/**
 * The loader's question of the one verdict (judgeEntry), add-ons included: the entry
 * as it may boot, or the refusal as an error. `streamed` holds the digests taken as the files were sealed.
 * @throws BootError with the reason when the entry may not boot
 */
export async function verifyEntry(sys: Sys, trust: TrustContext, entry: BootEntry, streamed?: ReadonlyMap<string, StreamedDigest>): Promise<VerifiedEntry> {
  const j = await judgeEntry(sys, trust, entry, { addons: true, ...(streamed ? { streamed } : {}) });
  if (j.refusal) throw new BootError(j.refusal.message, j.refusal.hint);
  return { entry: j.entry, warnings: j.warnings, digests: j.digests };
}

/**
 * The menu's question of the same verdict, without loading anything: why the policy would refuse `entry`, or
 * undefined when it may boot. One verification per file (profiles of one UKI share it) through `reports`.
 */
export async function refusalOf(sys: Sys, trust: TrustContext, entry: BootEntry, reports: Map<string, SignatureReport>): Promise<string | undefined> {
  return (await judgeEntry(sys, trust, entry, { reports, refusalOnly: true })).refusal?.reason;
}
