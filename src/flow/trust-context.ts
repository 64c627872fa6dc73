/**
 * Userspace Secure Boot for UKIs and add-ons (docs/trust.md): the verification mode, the trust
 * anchors (built in, --trust files, UEFI db and shim's MokListRT; dbx revokes), and the verdict for an
 * entry before it is planned. The kernel itself only checks the inner .linux under lockdown.
 */
import { Db, Dbx, MokListRT } from "../efi/loader-vars.ts";
import { BootError } from "../errors.ts";
import type { BootEntry } from "../model/boot-entry.ts";
import { addonsOf, ukiOf } from "../model/entry-rules.ts";
import type { ReadOnlyFs } from "../ports/fs.ts";
import type { Sys } from "../ports/sys.ts";
import { AUTHENTICODE_HEAD_SIZE } from "../trust/authenticode-hash.ts";
import { builtInAnchors } from "../trust/builtin-anchors.ts";
import { buildTrustStore, type TrustStore } from "../trust/trust-store.ts";
import { type SignatureReport, verifyAuthenticodeFile } from "../trust/verify-authenticode.ts";
import { decideAddon, decideUki, parseLockdown, resolveVerifyPolicy, type LockdownMode, type VerifyPolicy } from "../trust/verify-policy.ts";

export interface TrustContext {
  policy: VerifyPolicy;
  store: TrustStore;
  lockdown: LockdownMode | undefined;
  /** Anchors or settings that could not be used, one sentence each. */
  problems: string[];
}

export interface TrustOptions {
  /** --verify */
  verifyFlag?: string;
  /** ukiboot.verify= */
  verifyCmdline?: string;
  /** --trust files (PEM or DER). */
  trustFiles?: string[];
}

/** The policy and the anchors for this boot. Reading the variables and files is all it does. */
export async function loadTrustContext(sys: Sys, secureBoot: boolean | undefined, opts: TrustOptions = {}): Promise<TrustContext> {
  const lockdownText = sys.kernel.lockdown();
  const lockdown = lockdownText === null ? undefined : parseLockdown(lockdownText);
  const policy = resolveVerifyPolicy({ flag: opts.verifyFlag, cmdlineValue: opts.verifyCmdline, secureBoot, lockdown });
  const problems = [...policy.problems];
  const trustFiles = [];
  for (const name of opts.trustFiles ?? []) {
    try {
      trustFiles.push({ name, bytes: await sys.fs.readFile(name) });
    } catch (e) {
      problems.push(`Ignoring the trust anchor "${name}": ${(e as Error).message}`);
    }
  }
  const variable = (v: typeof Db) => {
    try {
      return sys.efivars.read(v)?.data;
    } catch {
      return undefined;
    }
  };
  const db = variable(Db);
  const dbx = variable(Dbx);
  const mok = variable(MokListRT);
  const { store, problems: storeProblems } = buildTrustStore({
    builtIn: builtInAnchors(),
    trustFiles,
    ...(db ? { db } : {}),
    ...(dbx ? { dbx } : {}),
    ...(mok ? { mokListRT: mok } : {}),
  });
  return { policy, store, lockdown, problems: [...problems, ...storeProblems] };
}

/** Verifies the Authenticode signature of one PE file against the anchors, reading it by range. */
export async function verifyPeFile(fs: ReadOnlyFs, path: string, store: TrustStore): Promise<SignatureReport> {
  const st = await fs.stat(path);
  if (!st || st.kind !== "file") throw new BootError(`Cannot verify "${path}": it is not a readable file`, "Check the ESP");
  const head = await fs.readRange(path, 0, Math.min(AUTHENTICODE_HEAD_SIZE, st.size));
  return verifyAuthenticodeFile(head, st.size, (offset, length) => fs.readRange(path, offset, length), store, { source: path });
}

/**
 * Applies the policy to an entry before it is planned: an unverifiable UKI is refused under enforce (a
 * warning under warn); an unverifiable add-on is left out under enforce, as systemd-stub does under shim.
 * @throws BootError with the reason when the UKI may not boot
 */
export async function verifyEntry(sys: Sys, trust: TrustContext, entry: BootEntry): Promise<{ entry: BootEntry; warnings: string[] }> {
  const mode = trust.policy.mode;
  const image = ukiOf(entry);
  if (mode === "off" || !image || entry.kind === "type1-linux") return { entry, warnings: [] };
  const warnings: string[] = [];
  const report = await verifyPeFile(sys.fs, image.path, trust.store);
  const decision = decideUki(report.verdict, mode);
  if (!decision.bootable) throw new BootError(`Cannot boot "${image.path}": ${decision.reason}`, decision.hint ?? "Sign the UKI with a trusted key, or choose another entry");
  if (report.verdict.status !== "verified") warnings.push(`"${image.path}": ${decision.reason} (${trust.policy.explanation})`);
  const addons = [];
  for (const a of addonsOf(entry)) {
    const r = await verifyPeFile(sys.fs, a.path, trust.store);
    const d = decideAddon(r.verdict, mode, a.fileName);
    if (d.problem) warnings.push(d.problem);
    if (d.use) addons.push(a);
  }
  return { entry: { ...entry, addons }, warnings };
}
