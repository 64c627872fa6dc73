/**
 * Chaining a signer certificate to a set of anchors, the way UEFI image verification does it
 * (EDK2 Pkcs7Verify with a partial chain): the path may end at the signer itself or at any issuer in
 * it, intermediates come from the signature's own certificates, every issuer must be allowed to issue
 * (basicConstraints, as OpenSSL checks), and validity dates are ignored because firmware has no trusted
 * time (sbverify ignores them for the same reason).
 */
import { bytesEqual } from "../bytes/digest.ts";
import { isSignedBy, mayIssueCertificates, namesIssuer, type ParsedCertificate } from "./certificate.ts";

/** Longest signer → anchor path considered; real Secure Boot chains have 2–4 certificates. */
const MAX_DEPTH = 8;

export interface ChainResult<A> {
  /** The anchor reached, or undefined when none was. */
  anchor: A | undefined;
  /** Certificates from the signer up to (not including) the anchor, or the longest path tried. */
  path: ParsedCertificate[];
}

/**
 * Looks for a path from `signer` to one of `anchors`, using `intermediates` as possible issuers.
 * An anchor matches a certificate on the path when it is that certificate (same DER) or when it names and
 * signed the last certificate on the path.
 */
export async function findChain<A extends { certificate: ParsedCertificate }>(
  signer: ParsedCertificate,
  intermediates: ParsedCertificate[],
  anchors: A[],
): Promise<ChainResult<A>> {
  let longest: ParsedCertificate[] = [signer];
  // A certificate explored once without reaching an anchor will not reach one by another path either (within
  // the depth limit, which real chains never approach); skipping it keeps a signature stuffed with
  // look-alike certificates from making the search exponential.
  const explored = new Set<ParsedCertificate>();
  const visit = async (path: ParsedCertificate[]): Promise<ChainResult<A> | undefined> => {
    if (path.length > longest.length) longest = path;
    const last = path[path.length - 1]!;
    const same = anchors.find((a) => bytesEqual(a.certificate.der, last.der));
    if (same) return { anchor: same, path };
    for (const a of anchors) {
      if (namesIssuer(a.certificate, last) && mayIssueCertificates(a.certificate) && (await isSignedBy(last, a.certificate))) return { anchor: a, path };
    }
    if (path.length >= MAX_DEPTH) return undefined;
    explored.add(last);
    for (const i of intermediates) {
      if (explored.has(i) || path.some((p) => bytesEqual(p.der, i.der))) continue;
      if (namesIssuer(i, last) && mayIssueCertificates(i) && (await isSignedBy(last, i))) {
        const found = await visit([...path, i]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return (await visit([signer])) ?? { anchor: undefined, path: longest };
}
