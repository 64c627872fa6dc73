/**
 * The Authenticode image digest of a PE file: which byte ranges are hashed, in which order
 * (Microsoft "Windows Authenticode Portable Executable Signature Format", "Calculating the PE Image Hash";
 * the same rules as the kernel's verify_pefile.c and sbsigntool's image.c).
 *
 * Hashed, in order: the headers up to SizeOfHeaders minus the CheckSum field and the certificate-table
 * directory entry; each section with raw data, sorted by PointerToRawData; then the data after
 * SizeOfHeaders + ΣSizeOfRawData up to the certificate table. The certificate table is never hashed.
 *
 * Only the few header fields Authenticode needs are read here, on purpose independent of src/pe, so the
 * verifier does not trust a parser that was written for the menu.
 *
 * Offsets used (pe = e_lfanew, opt = pe + 24):
 *   0x00 "MZ"   0x3c e_lfanew (u32)
 *   pe+0 "PE\0\0"   pe+6 NumberOfSections (u16)   pe+20 SizeOfOptionalHeader (u16)
 *   opt+0 Magic 0x10b (PE32) | 0x20b (PE32+)   opt+60 SizeOfHeaders   opt+64 CheckSum
 *   opt+92 / opt+108 NumberOfRvaAndSizes   opt+96 / opt+112 DataDirectory[]; entry 4 is the
 *   certificate table, whose "VirtualAddress" is a FILE offset
 *   section table at opt + SizeOfOptionalHeader, 40 bytes each:
 *   Name[8] VirtualSize VirtualAddress SizeOfRawData PointerToRawData
 */
import { BoundsError, FormatError, hex } from "../errors.ts";
import { ByteReader, checkedAdd } from "../bytes/byte-reader.ts";
import { MultiHasher, type DigestAlgorithm, type Digests } from "../bytes/digest.ts";

export const PE32_MAGIC = 0x10b;
export const PE32_PLUS_MAGIC = 0x20b;
/** DataDirectory index of the certificate table (IMAGE_DIRECTORY_ENTRY_SECURITY). */
export const IMAGE_DIRECTORY_ENTRY_SECURITY = 4;

/**
 * How many leading bytes of a file to hand to planAuthenticodeHash(): enough for the headers of any
 * UKI or add-on ukify, objcopy or the kernel build produce. A file whose headers are larger is refused
 * with a message naming the size needed.
 */
export const AUTHENTICODE_HEAD_SIZE = 64 * 1024;

/** A byte range of the file, `length` bytes from `offset`. */
export interface ByteRange {
  offset: number;
  length: number;
}

/** A section header as Authenticode sees it (only what the digest needs). */
export interface AuthenticodeSection {
  name: string;
  virtualSize: number;
  sizeOfRawData: number;
  pointerToRawData: number;
}

export interface AuthenticodeLayout {
  /** Ranges to hash, in hashing order; adjacent ranges are not merged, so each maps to one rule. */
  ranges: ByteRange[];
  /** The certificate table (attribute certificates), or undefined when the image carries none. */
  certificateTable: ByteRange | undefined;
  /** Section headers in table order. */
  sections: AuthenticodeSection[];
  machine: number;
  optionalHeaderMagic: number;
  /** SizeOfHeaders. */
  sizeOfHeaders: number;
}

type Fail = (message: string, offset?: number) => never;

/** The header fields the digest depends on, read and checked. */
interface HeaderFields {
  machine: number;
  magic: number;
  checksumOffset: number;
  /** The 5th data directory entry (the certificate table's), when the image has one. */
  certEntryOffset: number | undefined;
  sizeOfHeaders: number;
  sections: AuthenticodeSection[];
  certificateTable: ByteRange | undefined;
}

function readHeaderFields(r: ByteReader, fileSize: number, fail: Fail): HeaderFields {
  if (r.size < 0x40 || r.u16(0) !== 0x5a4d) fail('it does not start with the DOS signature "MZ"', 0);
  const pe = r.u32(0x3c);
  if (pe < 0x40) fail(`e_lfanew ${hex(pe)} points into the DOS header`, 0x3c);
  if (r.u32(pe) !== 0x00004550) fail(`there is no "PE\\0\\0" signature at ${hex(pe)}`, pe);
  const machine = r.u16(pe + 4);
  const numberOfSections = r.u16(pe + 6);
  const sizeOfOptionalHeader = r.u16(pe + 20);
  const opt = pe + 24;
  const magic = r.u16(opt);
  if (magic !== PE32_MAGIC && magic !== PE32_PLUS_MAGIC) fail(`the optional header magic is ${hex(magic)}, not 0x10b or 0x20b`, opt);
  const plus = magic === PE32_PLUS_MAGIC;
  const rvaCountOffset = opt + (plus ? 108 : 92);
  const dataDirectory = opt + (plus ? 112 : 96);
  if (sizeOfOptionalHeader < rvaCountOffset + 4 - opt)
    fail(`SizeOfOptionalHeader ${hex(sizeOfOptionalHeader)} is too small for the fields Authenticode needs`, pe + 20);
  const sizeOfHeaders = r.u32(opt + 60);
  const rvaCount = r.u32(rvaCountOffset);
  const certEntry = dataDirectory + IMAGE_DIRECTORY_ENTRY_SECURITY * 8;
  // Without a 5th directory entry there is nothing to exclude but the checksum, and no signature.
  const hasCertEntry = rvaCount > IMAGE_DIRECTORY_ENTRY_SECURITY && certEntry + 8 <= opt + sizeOfOptionalHeader;
  const sectionTable = checkedAdd(opt, sizeOfOptionalHeader);
  const sectionTableEnd = checkedAdd(sectionTable, numberOfSections * 40);
  if (sectionTableEnd > r.size) {
    fail(`the section table ends at ${hex(sectionTableEnd)}, past the ${hex(r.size)} header bytes given`, sectionTable);
  }
  if (sizeOfHeaders > fileSize) fail(`SizeOfHeaders ${hex(sizeOfHeaders)} is past the end of the file at ${hex(fileSize)}`, opt + 60);
  // The section table must itself be covered by the digest, or it could be edited without breaking the signature.
  if (sectionTableEnd > sizeOfHeaders) fail(`the section table ends at ${hex(sectionTableEnd)}, past SizeOfHeaders ${hex(sizeOfHeaders)}`, sectionTable);

  const sections: AuthenticodeSection[] = [];
  for (let i = 0; i < numberOfSections; i++) {
    const at = sectionTable + i * 40;
    sections.push({ name: sectionName(r.slice(at, 8)), virtualSize: r.u32(at + 8), sizeOfRawData: r.u32(at + 16), pointerToRawData: r.u32(at + 20) });
  }
  let certificateTable: ByteRange | undefined;
  if (hasCertEntry) {
    const offset = r.u32(certEntry);
    const length = r.u32(certEntry + 4);
    if (length > 0) certificateTable = { offset, length };
  }
  return { machine, magic, checksumOffset: opt + 64, certEntryOffset: hasCertEntry ? certEntry : undefined, sizeOfHeaders, sections, certificateTable };
}

/** The headers, less the checksum and the certificate table's directory entry. */
function headerRanges(h: HeaderFields): ByteRange[] {
  const afterChecksum = h.checksumOffset + 4;
  if (h.certEntryOffset === undefined)
    return [
      { offset: 0, length: h.checksumOffset },
      { offset: afterChecksum, length: h.sizeOfHeaders - afterChecksum },
    ];
  return [
    { offset: 0, length: h.checksumOffset },
    { offset: afterChecksum, length: h.certEntryOffset - afterChecksum },
    { offset: h.certEntryOffset + 8, length: h.sizeOfHeaders - (h.certEntryOffset + 8) },
  ];
}

/** The sections by file position, then the trailing data up to the certificate table, which must be last. */
function bodyRanges(h: HeaderFields, fileSize: number, fail: Fail): ByteRange[] {
  const ranges: ByteRange[] = [];
  let hashed = h.sizeOfHeaders;
  let sectionsEnd = h.sizeOfHeaders;
  // Sorted by file position, as the specification says; a stable sort keeps table order for ties.
  const withData = h.sections.filter((s) => s.sizeOfRawData > 0).sort((a, b) => a.pointerToRawData - b.pointerToRawData);
  for (const s of withData) {
    const end = checkedAdd(s.pointerToRawData, s.sizeOfRawData);
    if (end > fileSize) fail(`section "${s.name}" ends at ${hex(end)}, past the end of the file at ${hex(fileSize)}`, s.pointerToRawData);
    ranges.push({ offset: s.pointerToRawData, length: s.sizeOfRawData });
    hashed = checkedAdd(hashed, s.sizeOfRawData);
    sectionsEnd = Math.max(sectionsEnd, end);
  }
  const table = h.certificateTable;
  if (table) {
    const certEnd = checkedAdd(table.offset, table.length);
    if (certEnd > fileSize)
      fail(`the certificate table at ${hex(table.offset)} ends at ${hex(certEnd)}, past the end of the file at ${hex(fileSize)} (truncated)`, table.offset);
    if (table.offset < sectionsEnd)
      fail(`the certificate table at ${hex(table.offset)} overlaps the headers or a section, which end at ${hex(sectionsEnd)}`, table.offset);
    // Data after the table would be outside the digest (the trailing-data rule assumes the table is last).
    if (certEnd !== fileSize) fail(`the certificate table ends at ${hex(certEnd)}, before the end of the file at ${hex(fileSize)}`, table.offset);
  }
  // Trailing data: from SizeOfHeaders + ΣSizeOfRawData up to the certificate table (kernel and sbsigntool rule).
  const certLength = table?.length ?? 0;
  if (fileSize > checkedAdd(hashed, certLength)) ranges.push({ offset: hashed, length: fileSize - certLength - hashed });
  return ranges;
}

/**
 * Reads the PE headers in `head` (the first bytes of a file of `fileSize` bytes) and returns the byte
 * ranges whose digest Authenticode signs, plus where the certificate table is.
 * @throws FormatError when the headers are not a PE image, extend past `head`, or place a section or
 *   the certificate table outside the file
 * @example
 *   const layout = planAuthenticodeHash(bytes.subarray(0, AUTHENTICODE_HEAD_SIZE), bytes.length, { source: "uki.efi" });
 *   const digests = digestRangesInMemory(bytes, layout.ranges, ["sha256"]);
 */
export function planAuthenticodeHash(head: Uint8Array, fileSize: number, opts: { source: string }): AuthenticodeLayout {
  const { source } = opts;
  const fail: Fail = (message, offset) => {
    throw new FormatError("pe", source, `Cannot compute the Authenticode digest of "${source}": ${message}`, offset === undefined ? {} : { offset });
  };
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) fail(`the file size ${fileSize} is not valid`);
  try {
    const h = readHeaderFields(new ByteReader(head.byteLength > fileSize ? head.subarray(0, fileSize) : head), fileSize, fail);
    const ranges = [...headerRanges(h), ...bodyRanges(h, fileSize, fail)];
    return {
      ranges: ranges.filter((x) => x.length > 0),
      certificateTable: h.certificateTable,
      sections: h.sections,
      machine: h.machine,
      optionalHeaderMagic: h.magic,
      sizeOfHeaders: h.sizeOfHeaders,
    };
  } catch (e) {
    if (e instanceof BoundsError) {
      throw new FormatError("pe", source, `Cannot compute the Authenticode digest of "${source}": the headers are truncated at ${hex(e.offset)}`, {
        offset: e.offset,
        cause: e,
      });
    }
    if (e instanceof RangeError) {
      throw new FormatError("pe", source, `Cannot compute the Authenticode digest of "${source}": ${e.message}`, { cause: e });
    }
    throw e;
  }
}

/** Digests of the given ranges of an image held in memory. */
export function digestRangesInMemory(bytes: Uint8Array, ranges: ByteRange[], algorithms: Iterable<DigestAlgorithm>): Digests {
  const h = new MultiHasher(algorithms);
  for (const x of ranges) h.update(bytes.subarray(x.offset, x.offset + x.length));
  return h.digest();
}

/** Reads `length` bytes at `offset`; the effect layer passes a function over the file. */
export type RangeReader = (offset: number, length: number) => Promise<Uint8Array>;

/**
 * Digests of the given ranges read through `read`, at most `chunkSize` bytes at a time, so a large
 * `.linux` or `.initrd` never sits in memory whole.
 */
export async function digestRanges(
  ranges: ByteRange[],
  read: RangeReader,
  algorithms: Iterable<DigestAlgorithm>,
  opts: { chunkSize?: number } = {},
): Promise<Digests> {
  const chunk = opts.chunkSize ?? 1024 * 1024;
  const h = new MultiHasher(algorithms);
  for (const x of ranges) {
    for (let done = 0; done < x.length; ) {
      const n = Math.min(chunk, x.length - done);
      const bytes = await read(x.offset + done, n);
      if (bytes.byteLength !== n) throw new BoundsError(x.offset + done, n, x.offset + done + bytes.byteLength);
      h.update(bytes);
      done += n;
    }
  }
  return h.digest();
}

function sectionName(raw: Uint8Array): string {
  const nul = raw.indexOf(0);
  return String.fromCharCode(...(nul < 0 ? raw : raw.subarray(0, nul)));
}
