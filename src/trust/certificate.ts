/**
 * X.509 certificates as trust anchors and signers: reading PEM or DER files, parsing with pkijs, and a
 * printable summary (subject, issuer, serial, fingerprint) for `ukiboot inspect` and messages.
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { FormatError } from "../errors.ts";
import { digest, toHex } from "../bytes/digest.ts";

/** A parsed certificate together with its exact DER bytes (compared byte for byte against db and dbx). */
export interface ParsedCertificate {
  der: Uint8Array;
  certificate: pkijs.Certificate;
}

/** What a person needs to recognise a certificate. */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  /** Serial number as lowercase hex. */
  serial: string;
  /** SHA-256 of the DER encoding, lowercase hex (what `openssl x509 -fingerprint -sha256` prints). */
  sha256: string;
}

/**
 * Parses one DER-encoded certificate.
 * @throws FormatError when the bytes are not an X.509 certificate
 */
export function parseCertificateDer(der: Uint8Array, opts: { source: string }): ParsedCertificate {
  let asn1;
  try {
    asn1 = asn1js.fromBER(der);
  } catch (e) {
    throw new FormatError("pkcs7", opts.source, `Cannot parse certificate "${opts.source}": ${(e as Error).message}`, { cause: e });
  }
  if (asn1.offset === -1) throw new FormatError("pkcs7", opts.source, `Cannot parse certificate "${opts.source}": ${asn1.result.error || "not DER"}`);
  try {
    const certificate = new pkijs.Certificate({ schema: asn1.result });
    // Keep exactly the bytes that were parsed; any trailing data is not part of the certificate.
    return { der: der.subarray(0, asn1.offset), certificate };
  } catch (e) {
    throw new FormatError("pkcs7", opts.source, `Cannot parse certificate "${opts.source}": ${(e as Error).message}`, { cause: e });
  }
}

/** Wraps a certificate pkijs already parsed (for example one embedded in SignedData). */
export function fromPkijsCertificate(certificate: pkijs.Certificate): ParsedCertificate {
  return { der: new Uint8Array(certificate.toSchema(true).toBER(false)), certificate };
}

const PEM_CERTIFICATE = /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----([A-Za-z0-9+/=\s]*?)-----END (?:X509 |TRUSTED )?CERTIFICATE-----/g;

/**
 * Reads a certificate file as given to `--trust`: PEM (one or more CERTIFICATE blocks) or a single DER
 * certificate. Returns the DER encodings.
 * @throws FormatError when the file holds neither
 * @example parseCertificateFile(pemBytes, { source: "/etc/ukiboot/db.pem" }).length // 1
 */
export function parseCertificateFile(bytes: Uint8Array, opts: { source: string }): ParsedCertificate[] {
  // DER starts with a SEQUENCE tag; PEM is text. Look at the text only when it is not DER.
  if (bytes[0] === 0x30) return [parseCertificateDer(bytes, opts)];
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  const out: ParsedCertificate[] = [];
  for (const m of text.matchAll(PEM_CERTIFICATE)) {
    const der = new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ""), "base64"));
    out.push(parseCertificateDer(der, { source: `${opts.source} (certificate ${out.length + 1})` }));
  }
  if (out.length === 0)
    throw new FormatError("pkcs7", opts.source, `Cannot read certificates from "${opts.source}": it is neither DER nor PEM with a CERTIFICATE block`);
  return out;
}

/** Short names for the attribute types that appear in Secure Boot certificates. */
const NAME_ATTRIBUTES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "1.2.840.113549.1.9.1": "emailAddress",
};

/** A distinguished name in the order it is encoded, as OpenSSL's one-line form: `/C=US/O=Example/CN=Signer`. */
export function formatName(name: pkijs.RelativeDistinguishedNames): string {
  const parts = name.typesAndValues.map((tv) => {
    const key = NAME_ATTRIBUTES[tv.type] ?? tv.type;
    const value = (tv.value as { valueBlock?: { value?: unknown } }).valueBlock?.value;
    return `/${key}=${typeof value === "string" ? value : "?"}`;
  });
  return parts.join("") || "/";
}

export function describeCertificate(c: ParsedCertificate): CertificateInfo {
  return {
    subject: formatName(c.certificate.subject),
    issuer: formatName(c.certificate.issuer),
    serial: toHex(c.certificate.serialNumber.valueBlock.valueHexView),
    sha256: toHex(digest("sha256", c.der)),
  };
}

/** Whether `issuer`'s subject is `subject`'s issuer name (DER comparison, as chain building requires). */
export function namesIssuer(issuer: ParsedCertificate, subject: ParsedCertificate): boolean {
  return issuer.certificate.subject.isEqual(subject.certificate.issuer);
}

/** Checks `subject`'s signature with `issuer`'s public key; unsupported algorithms count as not verified. */
export async function isSignedBy(subject: ParsedCertificate, issuer: ParsedCertificate): Promise<boolean> {
  try {
    return await subject.certificate.verify(issuer.certificate);
  } catch {
    return false;
  }
}

/**
 * Whether a certificate may issue others, with OpenSSL's rule (X509_check_ca), which sbverify and EDK2's
 * verifier apply: basicConstraints cA when present; else a v1 certificate; else keyUsage keyCertSign.
 */
export function mayIssueCertificates(c: ParsedCertificate): boolean {
  const ext = (oid: string) => c.certificate.extensions?.find((e) => e.extnID === oid);
  const basic = ext("2.5.29.19");
  if (basic) return (basic.parsedValue as pkijs.BasicConstraints | undefined)?.cA === true;
  if (c.certificate.version === 0) return true;
  const usage = ext("2.5.29.15")?.parsedValue as asn1js.BitString | undefined;
  // keyCertSign is bit 5 of the KeyUsage BIT STRING, counted from the most significant bit of the first byte.
  return usage !== undefined && (usage.valueBlock.valueHexView[0]! & 0x04) !== 0;
}

/** SHA-256 of the TBSCertificate, the value EFI_CERT_X509_SHA256 dbx entries hold. */
export function tbsDigest(c: ParsedCertificate): Uint8Array {
  return digest("sha256", new Uint8Array(c.certificate.tbsView));
}
