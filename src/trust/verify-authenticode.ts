/**
 * Authenticode verification of a UKI or add-on against a TrustStore, with UEFI's decision order
 * (EDK2 DxeImageVerificationLib): an image whose digest or any signer chain is in dbx is revoked; else an
 * image with a signature that matches its digest, verifies and chains to db is verified; else an image
 * whose digest is in db is verified; else it is unsigned, bad or untrusted (docs/trust.md).
 *
 * Streaming use (the effect layer owns the reads):
 *   layout = planAuthenticodeHash(head, size)  →  table = read(layout.certificateTable)
 *   parsed = readSignatures(table)  →  digests = digestRanges(layout.ranges, read, digestAlgorithmsFor(parsed))
 *   report = await verifySignatures(parsed, digests, trust)
 * verifyAuthenticodeFile() does exactly that given a RangeReader, taking the digests streamed while the file
 * was sealed (authenticode-stream.ts) instead of reading the ranges again when they cover the same ranges.
 */
import { FormatError, hex } from "../errors.ts";
import { digestRanges, digestRangesInMemory, planAuthenticodeHash, type AuthenticodeLayout, type ByteRange, type RangeReader } from "./authenticode-hash.ts";
import type { StreamedDigest } from "./authenticode-stream.ts";
import { findChain } from "./certificate-chain.ts";
import { describeCertificate, tbsDigest, type CertificateInfo } from "./certificate.ts";
import { bytesEqual, toHex, type DigestAlgorithm, type Digests } from "../bytes/digest.ts";
import { checkSignerSignature, parseAuthenticodeSignature, type AuthenticodeSignature } from "./pkcs7.ts";
import type { TrustStore } from "./trust-store.ts";
import type { SignatureStatus, SignatureVerdict } from "./verify-policy.ts";
import { WIN_CERT_REVISION_2_0, WIN_CERT_TYPE_PKCS_SIGNED_DATA, parseCertificateTable } from "./win-certificate.ts";

/** One entry of the certificate table, parsed or with the reason it could not be. */
export interface SignatureSlot {
  /** File offset of the WIN_CERTIFICATE. */
  offset: number;
  signature?: AuthenticodeSignature;
  /** Why the entry is unusable, as a clause ("its PKCS#7 data is not valid DER"). */
  error?: string;
}

/** The certificate table as read: entries, or why the table itself is unusable. */
export interface ParsedSignatures {
  source: string;
  /** Whether the image has a certificate table at all. */
  present: boolean;
  slots: SignatureSlot[];
  /** Set when the table's structure is damaged (for example truncated). */
  tableError?: string;
}

/** What `ukiboot inspect` shows per signature. */
export interface SignatureDetails {
  offset: number;
  status: Exclude<SignatureStatus, "unsigned">;
  reason?: string;
  digestAlgorithm?: DigestAlgorithm;
  /** The digest the signer signed, lowercase hex. */
  signedDigest?: string;
  signer?: CertificateInfo;
  /** Certificates from the signer towards the anchor (signer first). */
  chain: CertificateInfo[];
  /** Origin of the anchor reached ("db entry 2", "--trust /k.pem"), for verified signatures. */
  anchor?: string;
}

export interface SignatureReport {
  verdict: SignatureVerdict;
  /** The Authenticode SHA-256 of the image (what db/dbx hash entries list), when it could be computed. */
  imageSha256?: string;
  signatures: SignatureDetails[];
}

/**
 * Parses the certificate table bytes (undefined when the image has none) into signatures. Never throws
 * for bad input: problems end up in `tableError` or a slot's `error`, which verifySignatures() reports.
 */
export function readSignatures(table: Uint8Array | undefined, opts: { source: string; fileOffset: number }): ParsedSignatures {
  if (table === undefined) return { source: opts.source, present: false, slots: [] };
  let entries;
  try {
    entries = parseCertificateTable(table, opts);
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    return { source: opts.source, present: true, slots: [], tableError: `its certificate table is damaged: ${clause(e)}` };
  }
  const slots = entries.map((entry): SignatureSlot => {
    if (entry.revision !== WIN_CERT_REVISION_2_0 || entry.certificateType !== WIN_CERT_TYPE_PKCS_SIGNED_DATA) {
      return {
        offset: entry.offset,
        error: `the certificate at ${hex(entry.offset)} has revision ${hex(entry.revision)} and type ${hex(entry.certificateType)}, not PKCS#7 SignedData (0x200, 0x2)`,
      };
    }
    try {
      return { offset: entry.offset, signature: parseAuthenticodeSignature(entry.data, { source: opts.source }) };
    } catch (e) {
      if (e instanceof FormatError) return { offset: entry.offset, error: `its signature at ${hex(entry.offset)} is malformed: ${clause(e)}` };
      // The ASN.1 and X.509 code can throw anything on damaged input (a date out of range, say).
      if (e instanceof Error && !e.message.startsWith("Internal error"))
        return { offset: entry.offset, error: `its signature at ${hex(entry.offset)} is malformed: ${e.message}` };
      throw e;
    }
  });
  return { source: opts.source, present: true, slots };
}

/** The image digests verifySignatures() needs: SHA-256 for db/dbx, plus each signature's algorithm. */
export function digestAlgorithmsFor(parsed: ParsedSignatures): DigestAlgorithm[] {
  const set = new Set<DigestAlgorithm>(["sha256"]);
  for (const s of parsed.slots) if (s.signature) set.add(s.signature.digestAlgorithm);
  return [...set];
}

/**
 * Decides the verdict for an image from its parsed signatures and its Authenticode digests.
 * @param digests must hold every algorithm digestAlgorithmsFor(parsed) names
 */
export async function verifySignatures(parsed: ParsedSignatures, digests: Digests, trust: TrustStore): Promise<SignatureReport> {
  const imageSha256 = digests.sha256;
  if (!imageSha256) throw new Error("Internal error: verifySignatures() needs the SHA-256 image digest");
  const report = (verdict: SignatureVerdict, signatures: SignatureDetails[] = []): SignatureReport => ({
    verdict,
    imageSha256: toHex(imageSha256),
    signatures,
  });

  const revokedImage = trust.revokedDigests.find((d) => bytesEqual(d.sha256, imageSha256));
  if (revokedImage) {
    return report({ status: "revoked", reason: `its Authenticode SHA-256 digest ${toHex(imageSha256)} is listed in ${revokedImage.origin}` });
  }

  const details: SignatureDetails[] = [];
  for (const slot of parsed.slots) {
    // A damaged certificate can make the ASN.1 and X.509 code throw anywhere (a date out of range, an
    // encoding it cannot convert): that signature is bad, never a crash and never a pass.
    details.push(
      await checkSlot(slot, digests, trust).catch((e: unknown): SignatureDetails => {
        if (e instanceof Error && e.message.startsWith("Internal error")) throw e;
        return {
          offset: slot.offset,
          status: "bad",
          reason: `its signature at ${hex(slot.offset)} cannot be checked: ${e instanceof Error ? e.message : String(e)}`,
          chain: [],
        };
      }),
    );
  }

  const revoked = details.find((d) => d.status === "revoked");
  if (revoked) return report({ status: "revoked", reason: revoked.reason! }, details);
  const verified = details.find((d) => d.status === "verified");
  if (verified) return report({ status: "verified", signer: verified.signer!.subject, anchor: verified.anchor! }, details);
  const allowed = trust.allowedDigests.find((d) => bytesEqual(d.sha256, imageSha256));
  if (allowed) return report({ status: "verified", signer: "(image digest)", anchor: allowed.origin }, details);

  if (parsed.tableError) return report({ status: "bad", reason: parsed.tableError }, details);
  if (!parsed.present) return report({ status: "unsigned", reason: "it is not signed" });
  const bad = details.find((d) => d.status === "bad");
  if (bad) return report({ status: "bad", reason: bad.reason! }, details);
  const untrusted = details.find((d) => d.status === "untrusted");
  if (untrusted) return report({ status: "untrusted", reason: untrusted.reason! }, details);
  return report({ status: "bad", reason: "its certificate table holds no signature" }, details);
}

async function checkSlot(slot: SignatureSlot, digests: Digests, trust: TrustStore): Promise<SignatureDetails> {
  const sig = slot.signature;
  if (!sig) return { offset: slot.offset, status: "bad", reason: slot.error ?? "its signature is unusable", chain: [] };
  const base = {
    offset: slot.offset,
    digestAlgorithm: sig.digestAlgorithm,
    signedDigest: toHex(sig.signedDigest),
    ...(sig.signer ? { signer: describeCertificate(sig.signer) } : {}),
  };
  const computed = digests[sig.digestAlgorithm];
  if (!computed) throw new Error(`Internal error: the ${sig.digestAlgorithm} image digest was not computed`);
  if (!bytesEqual(computed, sig.signedDigest)) {
    return {
      ...base,
      status: "bad",
      reason: `its Authenticode ${sig.digestAlgorithm} digest ${toHex(computed)} does not match the signed digest ${toHex(sig.signedDigest)}: the image was changed after signing`,
      chain: [],
    };
  }
  const check = await checkSignerSignature(sig);
  if (!check.ok) return { ...base, status: "bad", reason: check.reason, chain: [] };
  const signer = sig.signer!;
  const signerName = `"${base.signer!.subject}"`;

  const revokedChain = await findChain(signer, sig.certificates, trust.revokedCertificates);
  if (revokedChain.anchor) {
    const r = revokedChain.anchor;
    return {
      ...base,
      status: "revoked",
      reason: `its signer ${signerName} chains to the revoked certificate "${describeCertificate(r.certificate).subject}" in ${r.origin}`,
      chain: revokedChain.path.map(describeCertificate),
    };
  }
  for (const c of [signer, ...sig.certificates]) {
    const tbs = tbsDigest(c);
    const hit = trust.revokedTbsDigests.find((d) => bytesEqual(d.sha256, tbs));
    if (hit) {
      return {
        ...base,
        status: "revoked",
        reason: `its certificate "${describeCertificate(c).subject}" is revoked by ${hit.origin}`,
        chain: [describeCertificate(c)],
      };
    }
  }

  const chain = await findChain(signer, sig.certificates, trust.anchors);
  const path = chain.path.map(describeCertificate);
  if (chain.anchor) return { ...base, status: "verified", chain: path, anchor: chain.anchor.origin };
  const top = path[path.length - 1]!;
  return {
    ...base,
    status: "untrusted",
    reason: `its signer ${signerName} (issued by "${top.issuer}") chains to no trusted certificate`,
    chain: path,
  };
}

/**
 * Verifies an image read through `read`, given its first bytes (`head`, at least AUTHENTICODE_HEAD_SIZE or
 * the whole file) and its size. Malformed images give a "bad" verdict, never an exception.
 */
export async function verifyAuthenticodeFile(
  head: Uint8Array,
  fileSize: number,
  read: RangeReader,
  trust: TrustStore,
  opts: { source: string; hashRead?: { read: RangeReader; chunkSize: number }; streamed?: StreamedDigest },
): Promise<SignatureReport> {
  let layout: AuthenticodeLayout;
  try {
    layout = planAuthenticodeHash(head, fileSize, opts);
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    return { verdict: { status: "bad", reason: `its Authenticode layout is invalid: ${clause(e)}` }, signatures: [] };
  }
  const t = layout.certificateTable;
  const table = t ? await read(t.offset, t.length) : undefined;
  const parsed = readSignatures(table, { source: opts.source, fileOffset: t?.offset ?? 0 });
  const algorithms = digestAlgorithmsFor(parsed);
  // A digest streamed while the same bytes were sealed counts only for the very ranges planned here.
  const streamed: Digests = opts.streamed && sameRanges(opts.streamed.ranges, layout.ranges) ? opts.streamed.digests : {};
  const missing = algorithms.filter((a) => !streamed[a]);
  // hashRead may hand out the same buffer each time: the hash consumes each chunk before the next read.
  const computed: Digests =
    missing.length === 0
      ? {}
      : opts.hashRead
        ? await digestRanges(layout.ranges, opts.hashRead.read, missing, { chunkSize: opts.hashRead.chunkSize })
        : await digestRanges(layout.ranges, read, missing);
  const digests: Digests = {};
  for (const a of algorithms) digests[a] = computed[a] ?? streamed[a];
  return verifySignatures(parsed, digests, trust);
}

function sameRanges(a: readonly ByteRange[], b: readonly ByteRange[]): boolean {
  return a.length === b.length && a.every((r, i) => r.offset === b[i]!.offset && r.length === b[i]!.length);
}

/** verifyAuthenticodeFile() for an image held in memory (add-ons, tests). */
export async function verifyAuthenticodeImage(bytes: Uint8Array, trust: TrustStore, opts: { source: string }): Promise<SignatureReport> {
  let layout: AuthenticodeLayout;
  try {
    layout = planAuthenticodeHash(bytes, bytes.byteLength, opts);
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    return { verdict: { status: "bad", reason: `its Authenticode layout is invalid: ${clause(e)}` }, signatures: [] };
  }
  const t = layout.certificateTable;
  const table = t ? bytes.subarray(t.offset, t.offset + t.length) : undefined;
  const parsed = readSignatures(table, { source: opts.source, fileOffset: t?.offset ?? 0 });
  return verifySignatures(parsed, digestRangesInMemory(bytes, layout.ranges, digestAlgorithmsFor(parsed)), trust);
}

/** The state part of one of our "Cannot <action> <object>: <state>" messages, to nest it in a verdict. */
function clause(e: FormatError): string {
  const i = e.message.indexOf(": ");
  return e.message.startsWith("Cannot ") && i >= 0 ? e.message.slice(i + 2) : e.message;
}
