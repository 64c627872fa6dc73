/**
 * A UKI's `.pcrsig` (docs/measurements.md §5): the JSON systemd-measure writes, per bank a list of signed
 * TPM2_PolicyPCR digests, each for the PCR 11 value of one boot phase. A disk sealed with
 * `systemd-cryptenroll --tpm2-public-key` unlocks only when PCR 11 holds one of those values, so ukiboot
 * checks, after measuring, whether the PCR 11 of this boot is among them, and says so when it is not.
 */
import { DIGEST_SIZE, digest, type DigestAlgorithm, isDigestAlgorithm, toHex } from "../bytes/digest.ts";
import { FormatError } from "../errors.ts";
import { DEFAULT_PHASE_PATHS, extendPcr } from "./pcr-predict.ts";

const TPM_CC_POLICY_PCR = 0x0000017f;
const TPM_ALG: Record<DigestAlgorithm, number> = { sha1: 0x0004, sha256: 0x000b, sha384: 0x000c, sha512: 0x000d };

export interface PcrSignatureEntry {
  bank: DigestAlgorithm;
  pcrs: number[];
  /** Fingerprint of the public key, as written. */
  pkfp: string;
  /** The signed policy digest, lower-case hex. */
  pol: string;
}

/**
 * The policy digest of TPM2_PolicyPCR over one PCR with value `value`, started from an empty policy: the
 * value systemd-measure signs (TPM 2.0 Library Part 3, PolicyPCR).
 */
export function policyPcrDigest(bank: DigestAlgorithm, pcr: number, value: Uint8Array): Uint8Array {
  const select = new Uint8Array(3);
  select[pcr >> 3] = 1 << (pcr & 7);
  const alg = TPM_ALG[bank];
  const selection = Uint8Array.from([0, 0, 0, 1, alg >> 8, alg & 255, 3, ...select]);
  const cc = Uint8Array.from([0, 0, 1, TPM_CC_POLICY_PCR & 255]);
  return digest(bank, new Uint8Array(DIGEST_SIZE[bank]), cc, selection, digest(bank, value));
}

/** @throws FormatError naming `source` when the text is not systemd-measure's JSON */
export function parsePcrSignature(text: string, source: string): PcrSignatureEntry[] {
  const bad = (why: string) => new FormatError("uki", source, `Cannot read the .pcrsig of "${source}": ${why}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw bad(`it is not JSON (${(e as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw bad("it is not a JSON object of banks");
  const out: PcrSignatureEntry[] = [];
  for (const [bank, list] of Object.entries(json)) {
    if (!isDigestAlgorithm(bank)) continue;
    if (!Array.isArray(list)) throw bad(`"${bank}" is not a list`);
    for (const e of list as Record<string, unknown>[]) {
      if (!Array.isArray(e.pcrs) || !e.pcrs.every((p) => Number.isInteger(p)) || typeof e.pol !== "string")
        throw bad(`an entry of "${bank}" has no "pcrs" list or no "pol" digest`);
      out.push({ bank, pcrs: e.pcrs as number[], pkfp: typeof e.pkfp === "string" ? e.pkfp : "", pol: e.pol.toLowerCase() });
    }
  }
  return out;
}

/**
 * The boot phase (of systemd-measure's defaults) whose PCR 11 value, grown from `pcr11` as this boot goes on,
 * the signature signs; null when none is.
 */
export function pcrSignatureMatch(entries: readonly PcrSignatureEntry[], bank: DigestAlgorithm, pcr11: Uint8Array): string | null {
  const signed = new Set(entries.filter((e) => e.bank === bank && e.pcrs.length === 1 && e.pcrs[0] === 11).map((e) => e.pol));
  for (const path of DEFAULT_PHASE_PATHS) {
    let value = pcr11;
    for (const word of path.split(":")) value = extendPcr(bank, value, new TextEncoder().encode(word));
    if (signed.has(toHex(policyPcrDigest(bank, 11, value)))) return path;
  }
  return null;
}
