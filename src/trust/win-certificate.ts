/**
 * The PE attribute certificate table: a sequence of WIN_CERTIFICATE entries, each 8-byte aligned
 * (PE/COFF specification, "The Attribute Certificate Table (Image Only)"; UEFI 2.10 §32.2.4).
 *
 *   +0 dwLength (u32, includes this 8-byte header)   +4 wRevision (u16, 0x0200)
 *   +6 wCertificateType (u16, 0x0002 = PKCS_SIGNED_DATA)   +8 bCertificate[dwLength - 8]
 */
import { FormatError, hex } from "../errors.ts";
import { ByteReader, alignUp } from "../bytes/byte-reader.ts";

export const WIN_CERT_REVISION_2_0 = 0x0200;
export const WIN_CERT_TYPE_PKCS_SIGNED_DATA = 0x0002;
const WIN_CERTIFICATE_HEADER_SIZE = 8;

export interface WinCertificate {
  /** File offset of the entry (table offset + position in the table). */
  offset: number;
  revision: number;
  certificateType: number;
  /** bCertificate: for PKCS_SIGNED_DATA, a DER ContentInfo holding SignedData. */
  data: Uint8Array;
}

/**
 * Splits a certificate table into its entries.
 * @param table the bytes of the table (DataDirectory[4])
 * @param opts.fileOffset where the table starts in the file, so errors give file offsets
 * @throws FormatError when an entry is shorter than its header or claims more bytes than the table holds
 * @example parseCertificateTable(tableBytes, { source: "uki.efi", fileOffset: 0x1c000 })[0].certificateType // 2
 */
export function parseCertificateTable(table: Uint8Array, opts: { source: string; fileOffset: number }): WinCertificate[] {
  const r = new ByteReader(table);
  const out: WinCertificate[] = [];
  const fail = (message: string, at: number): never => {
    throw new FormatError("pkcs7", opts.source, `Cannot parse the certificate table of "${opts.source}": ${message}`, { offset: opts.fileOffset + at });
  };
  let at = 0;
  // Trailing zero padding after the last entry is allowed: the directory size is rounded up to 8.
  while (at + WIN_CERTIFICATE_HEADER_SIZE <= r.size) {
    const length = r.u32(at);
    if (length === 0 && table.subarray(at).every((b) => b === 0)) break;
    if (length < WIN_CERTIFICATE_HEADER_SIZE) fail(`the entry at ${hex(opts.fileOffset + at)} has dwLength ${hex(length)}, less than its 8-byte header`, at);
    if (at + length > r.size) {
      fail(`the entry at ${hex(opts.fileOffset + at)} claims ${hex(length)} bytes, but only ${hex(r.size - at)} remain (truncated)`, at);
    }
    out.push({
      offset: opts.fileOffset + at,
      revision: r.u16(at + 4),
      certificateType: r.u16(at + 6),
      data: r.slice(at + WIN_CERTIFICATE_HEADER_SIZE, length - WIN_CERTIFICATE_HEADER_SIZE),
    });
    at = alignUp(at + length, 8);
  }
  if (at < r.size && !table.subarray(at).every((b) => b === 0)) {
    fail(`${r.size - at} bytes at ${hex(opts.fileOffset + at)} are too short for an entry`, at);
  }
  if (out.length === 0) fail("it holds no entries", 0);
  return out;
}
