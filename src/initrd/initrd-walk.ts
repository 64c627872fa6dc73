/**
 * How the kernel reads one initrd member (Linux init/initramfs.c unpack_to_rootfs() and its cpio state
 * machine; docs/kexec.md §5): runs of NULs are skipped, a "0" at a 4-byte-aligned offset starts a
 * newc archive that is parsed record by record up to TRAILER!!!, anything else is handed to the
 * decompressor its first two bytes select. Compressed data cannot be followed without decompressing it,
 * so the walk stops at the first compressed stream.
 */
import { alignUp } from "../bytes/byte-reader.ts";
import { hex } from "../errors.ts";
import type { SourceReader } from "../bytes/byte-source.ts";
import { detectFormat, type FormatDetection } from "./compression.ts";
import { NEWC_HEADER_SIZE } from "./cpio-newc.ts";

/** One record of a newc archive. Offsets are within the member. */
export interface NewcEntry {
  name: string;
  ino: number;
  mode: number;
  nlink: number;
  mtime: number;
  size: number;
  headerOffset: number;
  dataOffset: number;
}

export type MemberSegment =
  | { type: "zeros"; offset: number; size: number }
  | {
      type: "newc";
      offset: number;
      /** Offset after the last record read (after the trailer when `trailer` is true). */
      end: number;
      /** "070702" archives carry a data checksum (not verified here). */
      crc: boolean;
      entries: NewcEntry[];
      trailer: boolean;
    }
  | {
      type: "stream";
      offset: number;
      /** What the kernel would do with it: decompress (compressor set) or fail (cpio-other, unknown, lz4-frame). */
      detection: FormatDetection;
    };

export interface WalkProblem {
  /** Offset within the member. */
  offset: number;
  message: string;
}

export interface MemberWalk {
  segments: MemberSegment[];
  /** Ways the kernel would fail on this member; the walk stops at the first. */
  problems: WalkProblem[];
}

export interface WalkOptions {
  /** The member's offset in the merged initrd; the kernel's alignment rules use absolute offsets. */
  baseOffset?: number;
}

/** The kernel rejects longer names (PATH_MAX). */
const PATH_MAX = 4096;
const WINDOW = 64 * 1024;
const HEAD = 1024;

/**
 * Walks a member of `size` bytes through `read`, as the kernel would unpack it.
 * @example await walkInitrdMember(readerOf(bytes), bytes.length)  // {segments: [{type: "newc", …}], problems: []}
 */
export async function walkInitrdMember(read: SourceReader, size: number, opts: WalkOptions = {}): Promise<MemberWalk> {
  const base = opts.baseOffset ?? 0;
  const win = new Window(read, size);
  const segments: MemberSegment[] = [];
  const problems: WalkProblem[] = [];
  let pos = 0;
  let afterArchive = false;
  while (pos < size) {
    const b = await win.byte(pos);
    if (b === 0) {
      const end = await win.skipZeros(pos);
      segments.push({ type: "zeros", offset: pos, size: end - pos });
      pos = end;
      continue;
    }
    const aligned = (base + pos) % 4 === 0;
    if (afterArchive && !aligned) {
      // do_reset(): after a trailer, the next non-NUL byte must be 4-byte aligned.
      problems.push({ offset: pos, message: `data after an archive's trailer starts at unaligned offset ${hex(base + pos)} ("broken padding")` });
      break;
    }
    if (b === 0x30 && aligned) {
      const archive = await walkNewcArchive(win, pos, size, base, problems);
      segments.push(archive);
      if (!archive.trailer) break;
      pos = archive.end;
      afterArchive = true;
      continue;
    }
    const detection = detectFormat(await win.bytes(pos, Math.min(HEAD, size - pos)));
    segments.push({ type: "stream", offset: pos, detection });
    if (b === 0x30) {
      problems.push({
        offset: pos,
        message: `a cpio archive starts at unaligned offset ${hex(base + pos)}; the kernel only reads archives at 4-byte boundaries ("invalid magic at start of compressed archive")`,
      });
    }
    break;
  }
  return { segments, problems };
}

async function walkNewcArchive(
  win: Window,
  start: number,
  size: number,
  base: number,
  problems: WalkProblem[],
): Promise<Extract<MemberSegment, { type: "newc" }>> {
  const entries: NewcEntry[] = [];
  let crc = false;
  let pos = start;
  const fail = (offset: number, message: string) => {
    problems.push({ offset, message });
    return { type: "newc" as const, offset: start, end: pos, crc, entries, trailer: false };
  };
  for (;;) {
    if (pos >= size) return fail(pos, `the cpio archive at ${hex(base + start)} ends at ${hex(base + pos)} without a TRAILER!!! record`);
    if (pos + NEWC_HEADER_SIZE > size)
      return fail(pos, `the cpio archive at ${hex(base + start)} ends inside the record header at ${hex(base + pos)}, before TRAILER!!!`);
    const header = await win.bytes(pos, NEWC_HEADER_SIZE);
    const magic = String.fromCharCode(...header.subarray(0, 6));
    if (magic === "070707")
      return fail(pos, `the record at ${hex(base + pos)} is in the old portable (odc) cpio format; the kernel reads only newc ("use -H newc option")`);
    if (magic !== "070701" && magic !== "070702")
      return fail(pos, `the record at ${hex(base + pos)} has no newc magic (found ${JSON.stringify(magic)}; "no cpio magic")`);
    if (pos === start) crc = magic === "070702";
    const fields: number[] = [];
    for (let i = 0; i < 13; i++) {
      const text = String.fromCharCode(...header.subarray(6 + i * 8, 14 + i * 8));
      if (!/^[0-9A-Fa-f]{8}$/.test(text))
        return fail(pos, `the record at ${hex(base + pos)} has a header field that is not 8 hex digits (${JSON.stringify(text)})`);
      fields.push(Number.parseInt(text, 16));
    }
    const [ino, mode, , , nlink, mtime, fileSize, , , , , nameSize] = fields as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    if (nameSize === 0 || nameSize > PATH_MAX) return fail(pos, `the record at ${hex(base + pos)} has a name size of ${nameSize}`);
    const nameStart = pos + NEWC_HEADER_SIZE;
    if (nameStart + nameSize > size) return fail(pos, `the name of the record at ${hex(base + pos)} runs past the end of the member`);
    const nameBytes = await win.bytes(nameStart, nameSize);
    if (nameBytes[nameSize - 1] !== 0) return fail(pos, `the name of the record at ${hex(base + pos)} is not NUL-terminated ("malformed archive")`);
    const name = new TextDecoder().decode(nameBytes.subarray(0, nameSize - 1));
    const dataOffset = alignUp(base + nameStart + nameSize, 4) - base;
    if (dataOffset + fileSize > size) {
      return fail(pos, `the data of "${name}" (${fileSize} bytes at ${hex(base + dataOffset)}) runs past the end of the member at ${hex(base + size)}`);
    }
    const next = alignUp(base + dataOffset + fileSize, 4) - base;
    if (name === "TRAILER!!!") {
      // The trailer's own padding may be missing at the very end of a member: what follows is padding or the end.
      pos = Math.min(next, size);
      return { type: "newc", offset: start, end: pos, crc, entries, trailer: true };
    }
    entries.push({ name, ino, mode, nlink, mtime, size: fileSize, headerOffset: pos, dataOffset });
    pos = next;
  }
}

/** A cache of one window of the member, so that walking many small records does few reads. */
class Window {
  private start = 0;
  private data: Uint8Array = new Uint8Array(0);
  constructor(
    private readonly read: SourceReader,
    private readonly size: number,
  ) {}

  async bytes(offset: number, length: number): Promise<Uint8Array> {
    if (offset < this.start || offset + length > this.start + this.data.length) {
      const want = Math.min(Math.max(length, WINDOW), this.size - offset);
      this.data = await this.read(offset, want);
      this.start = offset;
      if (this.data.length < length) throw new RangeError(`Cannot read ${length} bytes at ${hex(offset)}: got ${this.data.length}`);
    }
    return this.data.subarray(offset - this.start, offset - this.start + length);
  }

  async byte(offset: number): Promise<number> {
    return (await this.bytes(offset, 1))[0]!;
  }

  /** Offset of the first non-NUL byte at or after `offset`, or the member size. */
  async skipZeros(offset: number): Promise<number> {
    let pos = offset;
    while (pos < this.size) {
      const chunk = await this.bytes(pos, Math.min(WINDOW, this.size - pos));
      const i = chunk.findIndex((b) => b !== 0);
      if (i >= 0) return pos + i;
      pos += chunk.length;
    }
    return this.size;
  }
}
