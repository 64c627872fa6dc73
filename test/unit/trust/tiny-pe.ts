/**
 * A minimal PE/COFF image writer for edge-case tests of the Authenticode layout: DOS header, COFF header,
 * optional header (PE32 or PE32+), section table, raw section data at 0x200 alignment, optional trailing
 * data and an optional certificate table. Field offsets as in src/trust/authenticode-hash.ts.
 */

export interface TinySection {
  name: string;
  data: Uint8Array;
  /** Defaults to data.length. */
  virtualSize?: number;
}

export interface TinyPeOptions {
  plus?: boolean;
  sections: TinySection[];
  /** NumberOfRvaAndSizes; 16 by default. */
  rvaCount?: number;
  /** Bytes after the last section, before the certificate table. */
  trailing?: Uint8Array;
  /** The certificate table's bytes, appended 8-aligned and named by DataDirectory[4]. */
  certificateTable?: Uint8Array;
}

export interface TinyPe {
  bytes: Uint8Array;
  /** Offsets a test checks ranges against. */
  at: {
    opt: number;
    checksum: number;
    certEntry: number;
    sectionTable: number;
    sizeOfHeaders: number;
    sections: number[];
    trailing: number;
    certificateTable: number;
  };
}

const align = (n: number, to: number) => Math.ceil(n / to) * to;

export function writeTinyPe(o: TinyPeOptions): TinyPe {
  const plus = o.plus ?? true;
  const rvaCount = o.rvaCount ?? 16;
  const peOffset = 0x40;
  const opt = peOffset + 24;
  const sizeOfOptionalHeader = (plus ? 112 : 96) + rvaCount * 8;
  const sectionTable = opt + sizeOfOptionalHeader;
  const sizeOfHeaders = align(sectionTable + o.sections.length * 40, 0x200);
  const sectionOffsets: number[] = [];
  let at = sizeOfHeaders;
  for (const s of o.sections) {
    sectionOffsets.push(at);
    at += align(s.data.length, 0x200);
  }
  const trailingAt = at;
  at += o.trailing?.length ?? 0;
  const certAt = align(at, 8);
  const total = o.certificateTable ? certAt + o.certificateTable.length : at;

  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  b.set([0x4d, 0x5a], 0); // "MZ"
  v.setUint32(0x3c, peOffset, true); // e_lfanew
  b.set([0x50, 0x45, 0, 0], peOffset); // "PE\0\0"
  v.setUint16(peOffset + 4, 0x8664, true); // Machine
  v.setUint16(peOffset + 6, o.sections.length, true); // NumberOfSections
  v.setUint16(peOffset + 20, sizeOfOptionalHeader, true); // SizeOfOptionalHeader
  v.setUint16(opt, plus ? 0x20b : 0x10b, true); // Magic
  v.setUint32(opt + 60, sizeOfHeaders, true); // SizeOfHeaders
  v.setUint32(opt + 64, 0x12345678, true); // CheckSum: non-zero, must not affect the digest
  v.setUint32(opt + (plus ? 108 : 92), rvaCount, true); // NumberOfRvaAndSizes
  const dataDirectory = opt + (plus ? 112 : 96);
  const certEntry = dataDirectory + 4 * 8;
  if (o.certificateTable && rvaCount > 4) {
    v.setUint32(certEntry, certAt, true); // certificate table file offset
    v.setUint32(certEntry + 4, o.certificateTable.length, true); // and size
  }
  o.sections.forEach((s, i) => {
    const e = sectionTable + i * 40;
    for (let j = 0; j < Math.min(8, s.name.length); j++) b[e + j] = s.name.charCodeAt(j);
    v.setUint32(e + 8, s.virtualSize ?? s.data.length, true); // VirtualSize
    v.setUint32(e + 12, 0x1000 * (i + 1), true); // VirtualAddress
    v.setUint32(e + 16, align(s.data.length, 0x200), true); // SizeOfRawData
    v.setUint32(e + 20, sectionOffsets[i]!, true); // PointerToRawData
    b.set(s.data, sectionOffsets[i]!);
  });
  if (o.trailing) b.set(o.trailing, trailingAt);
  if (o.certificateTable) b.set(o.certificateTable, certAt);
  return {
    bytes: b,
    at: { opt, checksum: opt + 64, certEntry, sectionTable, sizeOfHeaders, sections: sectionOffsets, trailing: trailingAt, certificateTable: certAt },
  };
}

/** A WIN_CERTIFICATE entry: dwLength, wRevision, wCertificateType, data, zero-padded to 8 bytes. */
export function winCertificate(data: Uint8Array, opts: { revision?: number; type?: number; length?: number } = {}): Uint8Array {
  const length = opts.length ?? 8 + data.length;
  const out = new Uint8Array(align(8 + data.length, 8));
  const v = new DataView(out.buffer);
  v.setUint32(0, length, true);
  v.setUint16(4, opts.revision ?? 0x0200, true);
  v.setUint16(6, opts.type ?? 0x0002, true);
  out.set(data, 8);
  return out;
}
