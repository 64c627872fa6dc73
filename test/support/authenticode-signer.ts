/**
 * Authenticode signing in-process, as sbsign and sbattach do it: the image's Authenticode SHA-256 (computed
 * here from the PE headers, independently of src/trust/authenticode-hash.ts), a PKCS #7 SignedData over an
 * SpcIndirectDataContent with signed content-type, message-digest and SpcSpOpusInfo attributes, and a
 * WIN_CERTIFICATE appended to the certificate table. test/integration/ checks the result with sbverify.
 */
import { createHash, sign } from "node:crypto";
import { concat, contentsOf, explicit, implicitConstructed, integer, nullValue, octetString, oid, sequence, setOf, tlv } from "./der.ts";
import { signatureAlgorithm, type TestCertificate } from "./test-certificates.ts";

const OID_SIGNED_DATA = "1.2.840.113549.1.7.2";
const OID_SPC_INDIRECT_DATA = "1.3.6.1.4.1.311.2.1.4";
const OID_SPC_PE_IMAGE_DATA = "1.3.6.1.4.1.311.2.1.15";
const OID_SPC_SP_OPUS_INFO = "1.3.6.1.4.1.311.2.1.12";
const OID_CONTENT_TYPE = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
const OID_SHA256 = "2.16.840.1.101.3.4.2.1";
const OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1";

interface Headers {
  checksum: number;
  certEntry: number;
  sizeOfHeaders: number;
  sections: { offset: number; size: number }[];
  certTable: { offset: number; size: number };
}

function headers(image: Uint8Array): Headers {
  const v = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const pe = v.getUint32(0x3c, true);
  const count = v.getUint16(pe + 6, true);
  const opt = pe + 24;
  const plus = v.getUint16(opt, true) === 0x20b;
  const certEntry = opt + (plus ? 112 : 96) + 4 * 8;
  const table = opt + v.getUint16(pe + 20, true);
  const sections = Array.from({ length: count }, (_, i) => ({
    size: v.getUint32(table + i * 40 + 16, true),
    offset: v.getUint32(table + i * 40 + 20, true),
  }));
  return {
    checksum: opt + 64,
    certEntry,
    sizeOfHeaders: v.getUint32(opt + 60, true),
    sections: sections.filter((s) => s.size > 0).sort((a, b) => a.offset - b.offset),
    certTable: { offset: v.getUint32(certEntry, true), size: v.getUint32(certEntry + 4, true) },
  };
}

/** The Authenticode SHA-256 of a PE image (the PE/COFF specification's "Calculating the Image Hash"). */
export function authenticodeSha256(image: Uint8Array): Uint8Array {
  const h = headers(image);
  const hash = createHash("sha256");
  hash.update(image.subarray(0, h.checksum));
  hash.update(image.subarray(h.checksum + 4, h.certEntry));
  hash.update(image.subarray(h.certEntry + 8, h.sizeOfHeaders));
  let hashed = h.sizeOfHeaders;
  for (const s of h.sections) {
    hash.update(image.subarray(s.offset, s.offset + s.size));
    hashed = Math.max(hashed, s.offset + s.size);
  }
  const end = h.certTable.size > 0 ? h.certTable.offset : image.length;
  if (end > hashed) hash.update(image.subarray(hashed, end));
  return new Uint8Array(hash.digest());
}

const sha256Id = () => sequence(oid(OID_SHA256), nullValue());

/** The PKCS #7 SignedData (in its ContentInfo) that signs `digest` with `signer`, carrying `chain` too. */
export function authenticodeSignature(digest: Uint8Array, signer: TestCertificate, chain: TestCertificate[] = []): Uint8Array {
  // SpcPeImageData: no flags, and the "<<<Obsolete>>>" file link every signer writes.
  const obsolete = new Uint8Array(Buffer.from("<<<Obsolete>>>", "utf16le").swap16());
  const peImageData = sequence(tlv(0x03, new Uint8Array([0])), explicit(0, explicit(2, tlv(0x80, obsolete))));
  const indirect = sequence(sequence(oid(OID_SPC_PE_IMAGE_DATA), peImageData), sequence(sha256Id(), octetString(digest)));
  const attribute = (type: string, value: Uint8Array) => sequence(oid(type), setOf(value));
  const attributes = setOf(
    attribute(OID_CONTENT_TYPE, oid(OID_SPC_INDIRECT_DATA)),
    attribute(OID_SPC_SP_OPUS_INFO, sequence()),
    // The message digest covers the contents of SpcIndirectDataContent, not its tag and length.
    attribute(OID_MESSAGE_DIGEST, octetString(new Uint8Array(createHash("sha256").update(contentsOf(indirect)).digest()))),
  );
  const signature = new Uint8Array(sign("sha256", attributes, signer.key));
  const signerInfo = sequence(
    integer(1),
    sequence(issuerOf(signer), integer(signer.serial)),
    sha256Id(),
    implicitConstructed(0, attributes),
    signer.algorithm === "rsa" ? sequence(oid(OID_RSA_ENCRYPTION), nullValue()) : signatureAlgorithm("ec"),
    octetString(signature),
  );
  const signedData = sequence(
    integer(1),
    setOf(sha256Id()),
    sequence(oid(OID_SPC_INDIRECT_DATA), explicit(0, indirect)),
    tlv(0xa0, ...[signer, ...chain].map((c) => c.der)),
    setOf(signerInfo),
  );
  return sequence(oid(OID_SIGNED_DATA), explicit(0, signedData));
}

/** The issuer Name inside a certificate's DER: the TBSCertificate's fourth field (third for v1). */
function issuerOf(cert: TestCertificate): Uint8Array {
  const fields = children(contentsOf(children(contentsOf(cert.der))[0]!));
  return fields[fields[0]![0] === 0xa0 ? 3 : 2]!;
}

/** The TLVs one after another in `contents`. */
function children(contents: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < contents.length; ) {
    const first = contents[at + 1]!;
    const n = first < 0x80 ? 0 : first & 0x7f;
    let len = first < 0x80 ? first : 0;
    for (let i = 0; i < n; i++) len = len * 256 + contents[at + 2 + i]!;
    const end = at + 2 + n + len;
    out.push(contents.subarray(at, end));
    at = end;
  }
  return out;
}

/** A WIN_CERTIFICATE (revision 2.0, PKCS_SIGNED_DATA), zero-padded to 8 bytes. */
function winCertificate(signedData: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil((8 + signedData.length) / 8) * 8);
  const v = new DataView(out.buffer);
  v.setUint32(0, 8 + signedData.length, true);
  v.setUint16(4, 0x0200, true);
  v.setUint16(6, 0x0002, true);
  out.set(signedData, 8);
  return out;
}

/**
 * The image signed by `signer`: a signature appended to its certificate table, as `sbsign` makes the first
 * and `sbattach --attach` each further one. `chain` adds certificates, as `sbsign --addcert` does.
 */
export function signImage(image: Uint8Array, signer: TestCertificate, chain: TestCertificate[] = []): Uint8Array {
  const h = headers(image);
  const entry = winCertificate(authenticodeSignature(authenticodeSha256(image), signer, chain));
  // The table starts 8-aligned after the image; a further signature goes after the last entry.
  const tableAt = h.certTable.size > 0 ? h.certTable.offset : Math.ceil(image.length / 8) * 8;
  const before = h.certTable.size > 0 ? image.subarray(0, h.certTable.offset + h.certTable.size) : image;
  const out = concat([before, new Uint8Array(tableAt + (h.certTable.size || 0) - before.length), entry]);
  const v = new DataView(out.buffer);
  v.setUint32(h.certEntry, tableAt, true);
  v.setUint32(h.certEntry + 4, (h.certTable.size || 0) + entry.length, true);
  return out;
}
