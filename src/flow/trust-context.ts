/**
 * Userspace Secure Boot for UKIs and add-ons (docs/trust.md): the verification mode, the trust
 * anchors (built in, --trust files, UEFI db and shim's MokListRT; dbx revokes), and the verdict for an
 * entry before it is planned. The kernel itself only checks the inner .linux under lockdown.
 */
import { decideTrustVariable, isShimVariable, TRUST_VARIABLE_ROLE, type TrustVariableCopy, type TrustVariableName } from "../efi/trust-variables.ts";
import { Db, Dbx, efivarfsName, MokListRT, MokListXRT, SbatLevelRT, type VariableId } from "../efi/loader-vars.ts";
import { checkSbat, parseSbatLevel, parseSbatSection, type SbatLevel } from "../trust/sbat.ts";
import type { EntryFile, UkiImageRef } from "../model/boot-entry.ts";
import { readPeHeaders } from "../pe/read-pe.ts";
import { BootError } from "../errors.ts";
import type { ReadOnlyFs } from "../ports/fs.ts";
import type { Sys } from "../ports/sys.ts";
import { AUTHENTICODE_HEAD_SIZE } from "../trust/authenticode-hash.ts";
import type { StreamedDigest } from "../trust/authenticode-stream.ts";
import { builtInAnchors } from "../trust/builtin-anchors.ts";
import type { SecureBootState } from "../trust/secure-boot-state.ts";
import { buildTrustStore, type TrustStore } from "../trust/trust-store.ts";
import { type SignatureReport, verifyAuthenticodeFile } from "../trust/verify-authenticode.ts";
import { parseLockdown, resolveVerifyPolicy, type LockdownMode, type VerifyPolicy } from "../trust/verify-policy.ts";
import { readSecureBoot } from "./secure-boot.ts";

export interface TrustContext {
  policy: VerifyPolicy;
  store: TrustStore;
  lockdown: LockdownMode | undefined;
  /** Secure Boot as decided for this boot: on, or taken to be on when the firmware's answers disagree or are missing. */
  secureBoot: SecureBootState;
  /** Anchors or settings that could not be used, one sentence each. */
  problems: string[];
  /**
   * Why what dbx or MokListXRT revokes is unknown (unreadable or malformed), as a sentence; under enforce
   * nothing boots then, because a revoked image could not be told apart.
   */
  revocationsUnknown?: string;
  /** shim's SbatLevelRT, when the firmware has one (rarely two copies, both honoured): images below its generations are revoked. */
  sbatLevels: { level: SbatLevel; name: string }[];
}

/**
 * Anchors installed with the image: by the initramfs build (`--trust-in-image`) and the generator hooks
 * (the host's /etc/ukiboot/trust.d), and on a running system by the administrator. *.pem, *.crt, *.der.
 */
export const ANCHOR_DIR = "/etc/ukiboot/trust.d";

export interface TrustOptions {
  /** --verify */
  verifyFlag?: string;
  /** ukiboot.verify= */
  verifyCmdline?: string;
  /** --trust files (PEM or DER). */
  trustFiles?: string[];
  /** Where installed anchors are read; ANCHOR_DIR unless a test names another. */
  anchorDir?: string;
}

/** The certificates of the anchor directory, by name; none when it does not exist. */
async function installedAnchors(sys: Sys, dir: string, problems: string[]): Promise<{ name: string; bytes: Uint8Array }[]> {
  const st = await sys.fs.stat(dir);
  if (st?.kind !== "dir") return [];
  const out = [];
  for (const e of (await sys.fs.readDir(dir)).filter((d) => d.kind === "file" && /\.(pem|crt|der)$/i.test(d.name)).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    try {
      out.push({ name: `${dir}/${e.name}`, bytes: await sys.fs.readFile(`${dir}/${e.name}`) });
    } catch (err) {
      problems.push(`Ignoring the trust anchor "${dir}/${e.name}": ${(err as Error).message}`);
    }
  }
  return out;
}

const TRUST_VARIABLES: Record<TrustVariableName, VariableId> = { db: Db, dbx: Dbx, MokListRT, MokListXRT, SbatLevelRT };

/**
 * The copies of the firmware's trust variables that count (src/efi/trust-variables.ts decides), read from
 * efivarfs with their attributes and from the kernel's MOK configuration table.
 */
function firmwareVariables(sys: Sys, problems: string[], unreadable: string[]): Record<TrustVariableName, TrustVariableCopy[]> {
  const table = sys.kernel.mokTable();
  const out = {} as Record<TrustVariableName, TrustVariableCopy[]>;
  for (const [name, id] of Object.entries(TRUST_VARIABLES) as [TrustVariableName, VariableId][]) {
    const cannot = (where: string, e: unknown) => {
      problems.push(`Ignoring the ${name} variable: ${where} cannot be read (${(e as Error).message})`);
      if (TRUST_VARIABLE_ROLE[name] === "revocation") unreadable.push(`the ${name} variable cannot be read (${(e as Error).message})`);
    };
    const path = `${sys.efivars.location}/${efivarfsName(id)}`;
    let efivar;
    try {
      efivar = sys.efivars.read(id) ?? undefined;
    } catch (e) {
      cannot(`"${path}"`, e);
    }
    let mokTable: Uint8Array | null | undefined;
    if (table && isShimVariable(name)) {
      try {
        mokTable = table.read(name);
      } catch (e) {
        cannot(`the MOK configuration table's copy "${table.location}/${name}"`, e);
      }
    }
    const decision = decideTrustVariable({ name, path, efivar, ...(mokTable !== undefined ? { mokTable } : {}) });
    problems.push(...decision.problems);
    out[name] = decision.copies;
  }
  return out;
}

/**
 * The policy and the anchors for this boot. Reading the variables and files is all it does.
 * `secureBoot` is the state the boot decided (readSecureBoot); a caller holding only the SecureBoot
 * variable's reading (a boolean, or undefined) cannot decide from that alone, so the state is read here.
 */
export async function loadTrustContext(sys: Sys, secureBoot: SecureBootState | boolean | undefined, opts: TrustOptions = {}): Promise<TrustContext> {
  const platform = typeof secureBoot === "object" ? secureBoot : readSecureBoot(sys);
  const lockdownText = sys.kernel.lockdown();
  const lockdown = lockdownText === null ? undefined : parseLockdown(lockdownText);
  const policy = resolveVerifyPolicy({ flag: opts.verifyFlag, cmdlineValue: opts.verifyCmdline, platform });
  const problems = [...(platform.note !== undefined ? [platform.note] : []), ...policy.problems];
  const trustFiles = [];
  for (const name of opts.trustFiles ?? []) {
    try {
      trustFiles.push({ name, bytes: await sys.fs.readFile(name) });
    } catch (e) {
      problems.push(`Ignoring the trust anchor "${name}": ${(e as Error).message}`);
    }
  }
  const unreadable: string[] = [];
  const vars = firmwareVariables(sys, problems, unreadable);
  const sbatLevels: TrustContext["sbatLevels"] = [];
  for (const copy of vars.SbatLevelRT) {
    try {
      sbatLevels.push({ level: parseSbatLevel(copy.data, { source: copy.label }), name: copy.label });
    } catch (e) {
      problems.push(`Ignoring the ${copy.label} variable: ${(e as Error).message}`);
      unreadable.push(`the ${copy.label} variable cannot be parsed (${(e as Error).message})`);
    }
  }
  const [db] = vars.db;
  const [dbx] = vars.dbx;
  const [mok] = vars.MokListRT;
  const [mokx, ...moreMokx] = vars.MokListXRT;
  const {
    store,
    problems: storeProblems,
    unreadableRevocations,
  } = buildTrustStore({
    builtIn: builtInAnchors(),
    installed: await installedAnchors(sys, opts.anchorDir ?? ANCHOR_DIR, problems),
    trustFiles,
    ...(db ? { db: db.data } : {}),
    ...(dbx ? { dbx: dbx.data } : {}),
    ...(mok ? { mokListRT: mok.data } : {}),
    ...(mokx ? { mokListXRT: mokx.data } : {}),
    moreRevocations: moreMokx.map((c) => ({ name: c.label, data: c.data })),
  });
  const revocations = [...unreadable, ...unreadableRevocations];
  return {
    policy,
    store,
    lockdown,
    secureBoot: platform,
    problems: [...problems, ...storeProblems],
    ...(revocations.length ? { revocationsUnknown: `what is revoked is unknown: ${revocations.join("; ")}` } : {}),
    sbatLevels,
  };
}

/**
 * Verifies the Authenticode signature of one PE file against the anchors, reading it by range; `streamed` is
 * its digest taken as its sealed copy was made (authenticode-stream.ts), which spares reading it whole again.
 */
export async function verifyPeFile(fs: ReadOnlyFs, path: string, store: TrustStore, streamed?: StreamedDigest): Promise<SignatureReport> {
  const st = await fs.stat(path);
  if (st?.kind !== "file") throw new BootError(`Cannot verify "${path}": it is not a readable file`, "Check the ESP");
  const head = await fs.readRange(path, 0, Math.min(AUTHENTICODE_HEAD_SIZE, st.size));
  // The digest reads the whole image: through one reused buffer where the filesystem can, so memory stays flat.
  const readInto = fs.readRangeInto?.bind(fs);
  const buffer = new Uint8Array(readInto ? HASH_CHUNK : 0);
  const hashRead = readInto && {
    read: async (offset: number, length: number) => buffer.subarray(0, await readInto(path, offset, buffer.subarray(0, length))),
    chunkSize: HASH_CHUNK,
  };
  return verifyAuthenticodeFile(head, st.size, (offset, length) => fs.readRange(path, offset, length), store, {
    source: path,
    ...(hashRead ? { hashRead } : {}),
    ...(streamed ? { streamed } : {}),
  });
}

/** The read size when hashing an image: large enough that the syscalls do not count. */
const HASH_CHUNK = 1024 * 1024;

/**
 * Why SBAT revokes `image` (its `.sbat` against shim's SbatLevelRT), as a sentence naming the component, its
 * generation and the minimum; or why its `.sbat` cannot be read. undefined when it is not revoked, or when
 * the firmware has no SbatLevelRT.
 */
export async function sbatRevocation(fs: ReadOnlyFs, trust: TrustContext, image: UkiImageRef): Promise<string | undefined> {
  return sbatOf(fs, trust, image.path, async () => image.sections[".sbat"]);
}

/**
 * The same for a plain kernel (Type #1 `linux`, an `efi` EFI-stub kernel), whose `.sbat` is found in its own
 * section table: shim checks every image it loads against the same level, a kernel as much as a UKI. A kernel
 * that is no PE image carries no `.sbat`, and nothing revokes it.
 */
export async function kernelSbatRevocation(fs: ReadOnlyFs, trust: TrustContext, kernel: EntryFile): Promise<string | undefined> {
  return sbatOf(fs, trust, kernel.path, async () => {
    const st = await fs.stat(kernel.path);
    if (st?.kind !== "file") return undefined;
    const head = await fs.readRange(kernel.path, 0, Math.min(2, st.size));
    if (head[0] !== 0x4d || head[1] !== 0x5a) return undefined;
    const { pe } = await readPeHeaders(fs, kernel.path, st.size);
    return pe.sections.find((x) => x.name === ".sbat");
  });
}

async function sbatOf(
  fs: ReadOnlyFs,
  trust: TrustContext,
  path: string,
  section: () => Promise<{ fileOffset: number; fileSize: number } | undefined>,
): Promise<string | undefined> {
  if (trust.sbatLevels.length === 0) return undefined;
  try {
    const s = await section();
    if (!s) return undefined;
    const components = parseSbatSection(await fs.readRange(path, s.fileOffset, s.fileSize), { source: path });
    for (const { level, name } of trust.sbatLevels) {
      const found = checkSbat(components, level);
      if (found)
        return `SBAT revokes it: its component "${found.component}" is at generation ${found.generation}, and ${name} (${level.date}) requires at least ${found.minimum}`;
    }
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
