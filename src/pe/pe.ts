/**
 * PE/COFF header parsing (docs/entries.md §4): DOS and PE headers, the section table and the
 * fields a later Authenticode hash needs. Sections are described, never read; the caller reads their
 * bytes by range. Works over the first bytes of a file: see headerBytesNeeded().
 */
import { ByteReader, checkedAdd } from "../bytes/byte-reader.ts";
import { BoundsError, FormatError, hex } from "../errors.ts";
import { efiArchOfMachine, type EfiArch } from "./efi-arch.ts";
import * as L from "./pe-layout.ts";

/**
 * A cap on the section count. A u16 count cannot exceed the 16 MiB table limit, so systemd has no
 * separate cap; ours allows 256 profiles with every UKI section (256 × 15) plus a stub's own sections.
 */
export const MAX_SECTIONS = 4096;

/** One validated section table entry. */
export interface PeSection {
  /** Position in the section table, from 0. */
  index: number;
  /** The 8-byte name up to its first NUL (Latin-1); long "/nnn" names stay as written. */
  name: string;
  virtualSize: number;
  virtualAddress: number;
  sizeOfRawData: number;
  /** PointerToRawData: where the section's bytes start in the file. */
  fileOffset: number;
  /** min(VirtualSize, SizeOfRawData): the file bytes that belong to the section (docs/entries.md §4). */
  fileSize: number;
  /** File offset of this entry in the section table. */
  headerOffset: number;
}

/** Where the Attribute Certificate Table is; its "RVA" is a file offset. */
export interface PeCertificateTable {
  /** File offset of the 8-byte data directory entry (skipped by the Authenticode hash). */
  directoryEntryOffset: number;
  /** File offset and size of the table; both 0 when the image is unsigned. */
  offset: number;
  size: number;
}

/** The validated headers of a PE image. */
export interface PeImage {
  source: string;
  /** Size of the whole file (not only of the bytes parsed). */
  fileSize: number;
  machine: number;
  /** The EFI architecture of `machine`, or undefined for a machine type no EFI firmware runs. */
  arch: EfiArch | undefined;
  optionalHeaderMagic: typeof L.OPTIONAL_MAGIC_PE32 | typeof L.OPTIONAL_MAGIC_PE32_PLUS;
  subsystem: number;
  sizeOfHeaders: number;
  /** File offset of the 4-byte CheckSum field (skipped by the Authenticode hash). */
  checksumOffset: number;
  /** null when the optional header has no certificate table directory entry. */
  certificateTable: PeCertificateTable | null;
  sectionTableOffset: number;
  /** End of the section table: the bytes parsePe() needs. */
  headersEnd: number;
  sections: PeSection[];
}

/**
 * How many bytes from the start of the file parsePe() needs, judging from the bytes already read.
 * Read that many and call again until the answer is not larger than what you have.
 * A file that is not PE at all answers with what it has, and parsePe() then says why.
 * @example headerBytesNeeded(first64k) // e.g. 0x3a8 for a UKI built by ukify
 */
export function headerBytesNeeded(partial: Uint8Array): number {
  const r = new ByteReader(partial);
  if (r.size < L.DOS_HEADER_SIZE) return L.DOS_HEADER_SIZE;
  if (r.u16(0) !== L.DOS_MAGIC) return r.size;
  const lfanew = r.u32(L.DOS_E_LFANEW);
  const coff = lfanew + L.COFF_HEADER_OFFSET;
  const optional = lfanew + L.OPTIONAL_HEADER_OFFSET;
  if (r.size < optional) return optional;
  const count = r.u16(coff + L.COFF_NUMBER_OF_SECTIONS);
  const optionalSize = r.u16(coff + L.COFF_SIZE_OF_OPTIONAL_HEADER);
  return optional + optionalSize + count * L.SECTION_HEADER_SIZE;
}

/**
 * Parses the PE/COFF headers in `bytes` (at least headerBytesNeeded() of them) and validates every
 * section against `fileSize`, the size of the whole file (default: `bytes.length`).
 * It does not check the machine type: callers decide what a foreign image means (docs/entries.md §4).
 * @throws FormatError when the headers are malformed or a section's raw data lies past the end of the file
 * @example parsePe(await fs.readRange(path, 0, 65536), { source: path, fileSize })
 */
export function parsePe(bytes: Uint8Array, opts: { source: string; fileSize?: number }): PeImage {
  const source = opts.source;
  const fileSize = opts.fileSize ?? bytes.length;
  const fail = (message: string, offset?: number): never => {
    throw new FormatError("pe", source, `Cannot parse PE image "${source}": ${message}`, offset === undefined ? {} : { offset });
  };
  try {
    return parseHeaders(new ByteReader(bytes), source, fileSize, fail);
  } catch (e) {
    if (e instanceof BoundsError) {
      return fail(`the headers end early: ${e.message.replace(/^Cannot /, "cannot ")}`, e.offset);
    }
    if (e instanceof RangeError) return fail(e.message);
    throw e;
  }
}

function parseHeaders(r: ByteReader, source: string, fileSize: number, fail: (m: string, o?: number) => never): PeImage {
  if (r.size < L.DOS_HEADER_SIZE) fail(`the file is ${r.size} bytes, shorter than a DOS header`);
  if (r.u16(0) !== L.DOS_MAGIC) fail(`it does not start with "MZ"`, 0);
  const lfanew = r.u32(L.DOS_E_LFANEW);
  // The PE header cannot overlap the 64-byte DOS header (docs/entries.md §4).
  if (lfanew < L.DOS_HEADER_SIZE) fail(`e_lfanew is ${hex(lfanew)}, inside the DOS header`, L.DOS_E_LFANEW);
  if (r.u32(lfanew) !== L.PE_SIGNATURE) fail(`there is no "PE\\0\\0" signature at e_lfanew ${hex(lfanew)}`, lfanew);
  const coff = lfanew + L.COFF_HEADER_OFFSET;
  const machine = r.u16(coff + L.COFF_MACHINE);
  const count = r.u16(coff + L.COFF_NUMBER_OF_SECTIONS);
  const optionalSize = r.u16(coff + L.COFF_SIZE_OF_OPTIONAL_HEADER);
  if (count === 0) fail("it has no sections", coff + L.COFF_NUMBER_OF_SECTIONS);
  if (count > MAX_SECTIONS) fail(`it has ${count} sections, more than ${MAX_SECTIONS}`, coff + L.COFF_NUMBER_OF_SECTIONS);
  const opt = lfanew + L.OPTIONAL_HEADER_OFFSET;
  const magic = r.u16(opt);
  if (magic !== L.OPTIONAL_MAGIC_PE32 && magic !== L.OPTIONAL_MAGIC_PE32_PLUS) {
    fail(`the optional header magic is ${hex(magic)}, not 0x10b or 0x20b`, opt);
  }
  // Everything up to Subsystem must be inside the optional header, because the Authenticode hash and
  // the inspect output use it.
  if (optionalSize < L.OPT_SUBSYSTEM + 2)
    fail(`the optional header is ${optionalSize} bytes, too short for its fixed fields`, coff + L.COFF_SIZE_OF_OPTIONAL_HEADER);
  const sizeOfHeaders = r.u32(opt + L.OPT_SIZE_OF_HEADERS);
  const subsystem = r.u16(opt + L.OPT_SUBSYSTEM);
  const pe32 = magic as typeof L.OPTIONAL_MAGIC_PE32 | typeof L.OPTIONAL_MAGIC_PE32_PLUS;
  let certificateTable: PeCertificateTable | null = null;
  const rvaCountAt = opt + L.OPT_NUMBER_OF_RVA_AND_SIZES[pe32];
  const dirsAt = opt + L.OPT_DATA_DIRECTORIES[pe32];
  const certAt = dirsAt + L.DATA_DIRECTORY_SECURITY * L.DATA_DIRECTORY_SIZE;
  if (certAt + L.DATA_DIRECTORY_SIZE <= opt + optionalSize && r.u32(rvaCountAt) > L.DATA_DIRECTORY_SECURITY) {
    const offset = r.u32(certAt);
    const size = r.u32(certAt + 4);
    if (size !== 0 && checkedAdd(offset, size) > fileSize) {
      fail(`the certificate table ends at ${hex(offset + size)}, past the end of the file at ${hex(fileSize)}`, certAt);
    }
    certificateTable = { directoryEntryOffset: certAt, offset, size };
  }

  const tableOffset = checkedAdd(opt, optionalSize);
  const tableBytes = count * L.SECTION_HEADER_SIZE;
  if (tableBytes > L.SECTION_TABLE_BYTES_MAX) fail(`its section table is ${tableBytes} bytes, more than 16 MiB`);
  const headersEnd = checkedAdd(tableOffset, tableBytes);
  if (headersEnd > fileSize) fail(`the section table ends at ${hex(headersEnd)}, past the end of the file at ${hex(fileSize)}`, tableOffset);
  if (headersEnd > r.size) fail(`the section table ends at ${hex(headersEnd)}, but only ${hex(r.size)} bytes were read`, tableOffset);

  const sections: PeSection[] = [];
  for (let i = 0; i < count; i++) {
    const at = tableOffset + i * L.SECTION_HEADER_SIZE;
    const name = sectionName(r.slice(at, L.SECTION_NAME_SIZE));
    const virtualSize = r.u32(at + L.SECTION_VIRTUAL_SIZE);
    const sizeOfRawData = r.u32(at + L.SECTION_SIZE_OF_RAW_DATA);
    const fileOffset = r.u32(at + L.SECTION_POINTER_TO_RAW_DATA);
    const end = checkedAdd(fileOffset, sizeOfRawData);
    // docs/entries.md §4: a section whose raw data runs past the end of the file makes the whole image invalid.
    if (sizeOfRawData !== 0 && end > fileSize) {
      fail(`section "${name}" ends at ${hex(end)}, past the end of the file at ${hex(fileSize)}`, at);
    }
    sections.push({
      index: i,
      name,
      virtualSize,
      virtualAddress: r.u32(at + L.SECTION_VIRTUAL_ADDRESS),
      sizeOfRawData,
      fileOffset,
      // The loader maps VirtualSize bytes but only SizeOfRawData come from the file; the rest is
      // zero-fill (or, when raw data is larger, file-alignment padding that is not part of the section).
      fileSize: Math.min(virtualSize, sizeOfRawData),
      headerOffset: at,
    });
  }
  return {
    source,
    fileSize,
    machine,
    arch: efiArchOfMachine(machine),
    optionalHeaderMagic: pe32,
    subsystem,
    sizeOfHeaders,
    checksumOffset: opt + L.OPT_CHECKSUM,
    certificateTable,
    sectionTableOffset: tableOffset,
    headersEnd,
    sections,
  };
}

/** PE names are 8 bytes, NUL-padded and not necessarily NUL-terminated: compare at most 8 bytes. */
function sectionName(raw: Uint8Array): string {
  const nul = raw.indexOf(0);
  const b = nul >= 0 ? raw.subarray(0, nul) : raw;
  let s = "";
  for (const c of b) s += String.fromCharCode(c);
  return s;
}

/** The first section called `name` in table order, within [from, to) of the table (docs/entries.md §4). */
export function findSection(sections: readonly PeSection[], name: string, from = 0, to = sections.length): PeSection | undefined {
  for (let i = from; i < to; i++) if (sections[i]!.name === name) return sections[i];
  return undefined;
}
