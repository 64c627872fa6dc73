/**
 * Reading PE headers and single sections through positional reads, so that listing a 100 MB UKI costs
 * a few KiB. The parsing itself is pe.ts; this file only decides what to read.
 */
import { FormatError, hex } from "../errors.ts";
import { canPrefetch, type ReadOnlyFs } from "../ports/fs.ts";
import { headerBytesNeeded, parsePe, type PeImage, type PeSection } from "./pe.ts";
import { SECTION_TABLE_BYTES_MAX } from "./pe-layout.ts";
import { LISTING_SECTIONS } from "./uki-sections.ts";

/** One read of this size covers the headers of every UKI ukify builds (its headers fit in 4 KiB). */
export const HEADER_READ_SIZE = 64 * 1024;

/**
 * Reads and parses the headers of the PE file at `path` of `fileSize` bytes: one read of 64 KiB, and a
 * second one only when the section table reaches further.
 * @throws FormatError when the headers are malformed; whatever the fs throws when it cannot read
 */
export async function readPeHeaders(fs: ReadOnlyFs, path: string, fileSize: number): Promise<{ pe: PeImage; headerBytes: Uint8Array }> {
  let bytes = await fs.readRange(path, 0, Math.min(HEADER_READ_SIZE, fileSize));
  const need = headerBytesNeeded(bytes);
  // The section table can never be larger than 16 MiB; do not let a forged e_lfanew make us read more.
  if (need > bytes.length && need <= fileSize && need <= HEADER_READ_SIZE + SECTION_TABLE_BYTES_MAX) {
    bytes = await fs.readRange(path, 0, need);
  }
  const pe = parsePe(bytes, { source: path, fileSize });
  await prefetchListingSections(fs, pe);
  return { pe, headerBytes: bytes };
}

/** The largest span read at once to get a UKI's small text sections in one go. */
const PREFETCH_SPAN_MAX = 256 * 1024;

/**
 * Loads the span holding the small text sections listing reads (ukify puts them next to each other, after the
 * stub's own sections) in one read, when the fs can cache it and the span is small; nothing else is touched.
 */
async function prefetchListingSections(fs: ReadOnlyFs, pe: PeImage): Promise<void> {
  if (!canPrefetch(fs)) return;
  const wanted = pe.sections.filter((s) => (LISTING_SECTIONS as readonly string[]).includes(s.name) && s.fileSize > 0);
  if (wanted.length < 2) return;
  const start = Math.min(...wanted.map((s) => s.fileOffset));
  const end = Math.max(...wanted.map((s) => s.fileOffset + s.fileSize));
  if (end - start <= PREFETCH_SPAN_MAX && end <= pe.fileSize) await fs.prefetch(pe.source, start, end - start);
}

/**
 * Reads one section. `contents: "file"` returns the file bytes, min(VirtualSize, SizeOfRawData), which is
 * what systemd-boot's menu reads; `"memory"` returns C(s), zero-filled up to VirtualSize (docs/entries.md §4), which is
 * what the stub sees. `max` refuses sections larger than that many bytes.
 * @throws FormatError when the section is larger than `max` or the file is shorter than its headers say
 */
export async function readSection(fs: ReadOnlyFs, pe: PeImage, section: PeSection, opts: { contents: "file" | "memory"; max?: number }): Promise<Uint8Array> {
  const size = opts.contents === "file" ? section.fileSize : section.virtualSize;
  if (opts.max !== undefined && size > opts.max) {
    throw new FormatError(
      "uki",
      pe.source,
      `Cannot read section "${section.name}" of "${pe.source}": it is ${hex(size)} bytes, more than the limit of ${hex(opts.max)}`,
      {
        offset: section.headerOffset,
      },
    );
  }
  const bytes = section.fileSize === 0 ? new Uint8Array(0) : await fs.readRange(pe.source, section.fileOffset, section.fileSize);
  if (bytes.length !== section.fileSize) {
    throw new FormatError(
      "uki",
      pe.source,
      `Cannot read section "${section.name}" of "${pe.source}": the file ends at ${hex(section.fileOffset + bytes.length)}, inside the section`,
      {
        offset: section.fileOffset,
      },
    );
  }
  if (opts.contents === "file" || section.virtualSize <= bytes.length) return bytes;
  const full = new Uint8Array(section.virtualSize);
  full.set(bytes);
  return full;
}
