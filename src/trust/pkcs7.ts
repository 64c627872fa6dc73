/**
 * The PKCS#7 SignedData of an Authenticode signature (Microsoft "Windows Authenticode Portable
 * Executable Signature Format": SignedData, SpcIndirectDataContent, SignerInfo), parsed with pkijs, and the
 * check of the signer's signature over its signed attributes with the runtime's WebCrypto.
 *
 *   SpcIndirectDataContent ::= SEQUENCE { data SpcAttributeTypeAndOptionalValue, messageDigest DigestInfo }
 *   DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier, digest OCTET STRING }   -- the image digest
 *
 * The signed messageDigest attribute covers the DER *contents* of SpcIndirectDataContent (its value octets,
 * without the SEQUENCE tag and length); the signature covers the signed attributes re-tagged as a SET.
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { FormatError } from "../errors.ts";
import { bytesEqual, digest, toHex, type DigestAlgorithm } from "../bytes/digest.ts";
import { fromPkijsCertificate, type ParsedCertificate } from "./certificate.ts";

export const OID_SIGNED_DATA = "1.2.840.113549.1.7.2";
export const OID_SPC_INDIRECT_DATA = "1.3.6.1.4.1.311.2.1.4";
export const OID_SPC_PE_IMAGE_DATA = "1.3.6.1.4.1.311.2.1.15";
const OID_CONTENT_TYPE = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
const OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1";

const DIGEST_OIDS: Record<string, DigestAlgorithm> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};
const WEBCRYPTO_HASH: Record<DigestAlgorithm, string> = { sha1: "SHA-1", sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" };

/** One Authenticode signature, parsed but not yet checked. */
export interface AuthenticodeSignature {
  /** Algorithm of the image digest the signer signed (DigestInfo in SpcIndirectDataContent). */
  digestAlgorithm: DigestAlgorithm;
  /** The signed image digest. */
  signedDigest: Uint8Array;
  /** The signer certificate, found in SignedData.certificates by the SignerInfo's issuer and serial. */
  signer: ParsedCertificate | undefined;
  /** Every certificate SignedData carries (the signer and any intermediates). */
  certificates: ParsedCertificate[];
  signerInfo: pkijs.SignerInfo;
  /** Algorithm of the messageDigest attribute (SignerInfo.digestAlgorithm). */
  signerDigestAlgorithm: DigestAlgorithm;
  /** The DER contents of SpcIndirectDataContent, which the messageDigest attribute covers. */
  indirectDataContents: Uint8Array;
}

/**
 * Parses a DER ContentInfo holding Authenticode SignedData (bCertificate of a PKCS_SIGNED_DATA entry).
 * @throws FormatError when it is not SignedData with exactly one signer and an SpcIndirectDataContent
 * @example parseAuthenticodeSignature(entry.data, { source: "uki.efi" }).digestAlgorithm // "sha256"
 */
export function parseAuthenticodeSignature(der: Uint8Array, opts: { source: string }): AuthenticodeSignature {
  const fail = (message: string, cause?: unknown): never => {
    throw new FormatError(
      "pkcs7",
      opts.source,
      `Cannot parse the Authenticode signature of "${opts.source}": ${message}`,
      cause === undefined ? {} : { cause },
    );
  };
  const asn1 = asn1js.fromBER(der);
  if (asn1.offset === -1) fail(`the PKCS#7 data is not valid DER (${asn1.result.error})`);
  let signedData: pkijs.SignedData;
  try {
    const info = new pkijs.ContentInfo({ schema: asn1.result });
    if (info.contentType !== OID_SIGNED_DATA) fail(`the content type is ${info.contentType}, not SignedData`);
    signedData = new pkijs.SignedData({ schema: info.content });
  } catch (e) {
    if (e instanceof FormatError) throw e;
    return fail(`the PKCS#7 SignedData does not match its schema: ${(e as Error).message}`, e);
  }
  const eci = signedData.encapContentInfo;
  if (eci.eContentType !== OID_SPC_INDIRECT_DATA) fail(`the signed content type is ${eci.eContentType}, not SpcIndirectDataContent`);
  if (!eci.eContent) fail("the SpcIndirectDataContent is missing");
  const content = eci.eContent as unknown as asn1js.Sequence;
  if (!(content instanceof asn1js.Sequence)) fail("the SpcIndirectDataContent is not a SEQUENCE");
  const [data, digestInfo] = content.valueBlock.value;
  if (!(data instanceof asn1js.Sequence) || !(digestInfo instanceof asn1js.Sequence)) fail("the SpcIndirectDataContent does not hold data and a DigestInfo");
  const dataType = (data as asn1js.Sequence).valueBlock.value[0];
  if (!(dataType instanceof asn1js.ObjectIdentifier) || dataType.valueBlock.toString() !== OID_SPC_PE_IMAGE_DATA) {
    fail("the signed data is not a PE image (SPC_PE_IMAGE_DATAOBJ)");
  }
  const [algorithm, signedDigest] = (digestInfo as asn1js.Sequence).valueBlock.value;
  if (!(algorithm instanceof asn1js.Sequence) || !(signedDigest instanceof asn1js.OctetString)) fail("the DigestInfo is malformed");
  const algorithmOid = (algorithm as asn1js.Sequence).valueBlock.value[0];
  const digestAlgorithm = algorithmOid instanceof asn1js.ObjectIdentifier ? DIGEST_OIDS[algorithmOid.valueBlock.toString()] : undefined;
  if (!digestAlgorithm)
    fail(`the image digest algorithm ${algorithmOid instanceof asn1js.ObjectIdentifier ? algorithmOid.valueBlock.toString() : "?"} is not supported`);

  if (signedData.signerInfos.length !== 1) fail(`it has ${signedData.signerInfos.length} signers; Authenticode requires exactly one`);
  const signerInfo = signedData.signerInfos[0]!;
  const signerDigestAlgorithm = DIGEST_OIDS[signerInfo.digestAlgorithm.algorithmId];
  if (!signerDigestAlgorithm) fail(`the signer's digest algorithm ${signerInfo.digestAlgorithm.algorithmId} is not supported`);

  const certificates: ParsedCertificate[] = [];
  for (const c of signedData.certificates ?? []) {
    if (c instanceof pkijs.Certificate) certificates.push(fromPkijsCertificate(c));
  }
  const signer = findSigner(signerInfo, certificates);

  // The value octets of the SEQUENCE, without its tag and length (asn1js keeps what it decoded).
  const indirectDataContents = new Uint8Array(content.valueBlock.valueBeforeDecodeView);
  return {
    digestAlgorithm: digestAlgorithm!,
    signedDigest: new Uint8Array((signedDigest as asn1js.OctetString).valueBlock.valueHexView),
    signer,
    certificates,
    signerInfo,
    signerDigestAlgorithm: signerDigestAlgorithm!,
    indirectDataContents,
  };
}

function findSigner(signerInfo: pkijs.SignerInfo, certificates: ParsedCertificate[]): ParsedCertificate | undefined {
  const sid = signerInfo.sid as unknown;
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    return certificates.find((c) => c.certificate.issuer.isEqual(sid.issuer) && c.certificate.serialNumber.isEqual(sid.serialNumber));
  }
  // [0] SubjectKeyIdentifier: match the certificate's subjectKeyIdentifier extension.
  if (sid instanceof asn1js.Constructed || sid instanceof asn1js.Primitive) {
    const want = (sid as asn1js.Primitive).valueBlock.valueHexView ?? new Uint8Array(0);
    return certificates.find((c) => {
      const ext = c.certificate.extensions?.find((e) => e.extnID === "2.5.29.14");
      const skid = ext?.parsedValue as asn1js.OctetString | undefined;
      return skid !== undefined && bytesEqual(new Uint8Array(skid.valueBlock.valueHexView), want);
    });
  }
  return undefined;
}

/** The outcome of checking a signer's signature; `reason` completes "Cannot verify …: <reason>". */
export type SignerCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks that the signed attributes carry the SpcIndirectDataContent content type and its digest, and
 * that the signer certificate's key signed those attributes. Does not look at trust or at the image.
 */
export async function checkSignerSignature(sig: AuthenticodeSignature): Promise<SignerCheck> {
  if (!sig.signer) return { ok: false, reason: "the signer certificate is not included in the signature" };
  const attrs = sig.signerInfo.signedAttrs;
  if (!attrs) return { ok: false, reason: "the signature has no signed attributes, which Authenticode requires" };
  const contentType = attrs.attributes.find((a) => a.type === OID_CONTENT_TYPE)?.values[0];
  if (!(contentType instanceof asn1js.ObjectIdentifier) || contentType.valueBlock.toString() !== OID_SPC_INDIRECT_DATA) {
    return { ok: false, reason: "the signed content-type attribute is not SpcIndirectDataContent" };
  }
  const messageDigest = attrs.attributes.find((a) => a.type === OID_MESSAGE_DIGEST)?.values[0];
  if (!(messageDigest instanceof asn1js.OctetString)) return { ok: false, reason: "the signed attributes have no message digest" };
  const expected = digest(sig.signerDigestAlgorithm, sig.indirectDataContents);
  const got = new Uint8Array(messageDigest.valueBlock.valueHexView);
  if (!bytesEqual(expected, got)) {
    return { ok: false, reason: `the signed message digest ${toHex(got)} does not match the SpcIndirectDataContent (${toHex(expected)})` };
  }
  // pkijs keeps the attributes as encoded under [0] IMPLICIT, with the first byte already rewritten to SET (0x31).
  const signedBytes = new Uint8Array(attrs.encodedValue);
  if (signedBytes[0] !== 0x31) return { ok: false, reason: "the signed attributes are not encoded as a SET" };
  const engine = pkijs.getCrypto(true);
  const signer = sig.signer.certificate;
  try {
    const ok =
      sig.signerInfo.signatureAlgorithm.algorithmId === OID_RSA_ENCRYPTION
        ? await engine.verifyWithPublicKey(
            signedBytes,
            sig.signerInfo.signature,
            signer.subjectPublicKeyInfo,
            sig.signerInfo.signatureAlgorithm,
            WEBCRYPTO_HASH[sig.signerDigestAlgorithm],
          )
        : await engine.verifyWithPublicKey(signedBytes, sig.signerInfo.signature, signer.subjectPublicKeyInfo, sig.signerInfo.signatureAlgorithm);
    return ok ? { ok: true } : { ok: false, reason: "the signer's signature over the signed attributes does not verify with the signer certificate's key" };
  } catch (e) {
    return { ok: false, reason: `the signer's signature cannot be checked: ${(e as Error).message}` };
  }
}
