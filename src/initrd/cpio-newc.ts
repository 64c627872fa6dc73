/**
 * The newc cpio archives systemd-stub 257 generates for credentials, system and configuration extensions
 * and the /.extra literal files, byte for byte (docs/initrd.md §4; systemd src/boot/cpio.c; the
 * kernel's Documentation/driver-api/early-userspace/buffer-format.rst).
 *
 * Layout of one record (all numbers 8 lowercase hex digits):
 *   0   "070701"   6 magic
 *   6   ino         inode, counting from 1 per archive over directories and files
 *   14  mode        040000|mode for directories, 0100000|mode for files
 *   22  uid = 0     30 gid = 0     38 nlink = 1 (also for directories)
 *   46  mtime = 0   54 filesize    62 devmajor = 0   70 devminor = 0
 *   78  rdevmajor = 0   86 rdevminor = 0   94 namesize (name + NUL)   102 check = 0
 *   110 name, NUL, NUL padding to a multiple of 4 from the archive start; data, NUL padding likewise
 * The archive ends with the stub's fixed 124-byte trailer, whose namesize is written "0000000B" (uppercase).
 */
import { alignUp, checkedAdd } from "../bytes/byte-reader.ts";
import { bytesSource, concatSources, materializeSource, sourceSize, zerosSource, type ByteSource } from "../bytes/byte-source.ts";

export const NEWC_HEADER_SIZE = 110;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;

/**
 * systemd-stub's trailer record, copied as the stub writes it: a string constant whose namesize field is
 * "0000000B" in uppercase (every other hex field it writes is lowercase), then "TRAILER!!!" and 4 NULs.
 */
export const NEWC_TRAILER: Uint8Array = new TextEncoder().encode(
  "070701" +
    "00000000" + // ino
    "00000000" + // mode
    "00000000" + // uid
    "00000000" + // gid
    "00000001" + // nlink
    "00000000" + // mtime
    "00000000" + // filesize
    "00000000" + // devmajor
    "00000000" + // devminor
    "00000000" + // rdevmajor
    "00000000" + // rdevminor
    "0000000B" + // namesize: "TRAILER!!!" + NUL = 11
    "00000000" + // check
    "TRAILER!!!\0\0\0\0", // name, its NUL and 3 bytes of padding: 110 + 14 = 124
);

/** One file of an archive: its name inside the target directory and its contents. */
export interface NewcFile {
  name: string;
  bytes: Uint8Array;
}

/** Like NewcFile, but the contents may be a file range that is copied later. */
export interface NewcFileSource {
  name: string;
  content: ByteSource;
}

export interface NewcArchiveSpec<F> {
  /** Directory the files go into, without a leading "/" or "./", e.g. ".extra/credentials". */
  target: string;
  /** Permission bits of the last directory component; leading components get 0555. */
  dirMode: number;
  /** Permission bits of every file. */
  fileMode: number;
  files: F[];
}

/**
 * Builds one archive as systemd-stub's pack_cpio()/pack_cpio_literal() do: the target's directories
 * first (like mkdir -p), then the files sorted by name in byte order, then the trailer. mtime is 0 and
 * the names are sorted so that identical inputs give identical bytes, which keeps TPM measurements stable.
 * With no files the result is the directories and the trailer, which is what the stub produces when every
 * matched file failed to read; callers skip the archive altogether when no file matched.
 * @throws RangeError when a name or size cannot be stored (non-ASCII, "/", longer than 255, over 4 GiB)
 * @example writeNewcArchive({target: ".extra", dirMode: 0o555, fileMode: 0o444, files: [{name: "os-release", bytes}]})
 */
export function writeNewcArchive(spec: NewcArchiveSpec<NewcFile>): Uint8Array {
  return materializeSource(describeNewcArchive({ ...spec, files: spec.files.map((f) => ({ name: f.name, content: bytesSource(f.bytes) })) }));
}

/**
 * The same archive as writeNewcArchive, described: headers and padding as bytes, file contents as given
 * (typically ranges of files on the ESP, so a large sysext image is copied, never loaded).
 */
export function describeNewcArchive(spec: NewcArchiveSpec<NewcFileSource>): ByteSource {
  checkTarget(spec.target);
  checkMode(spec.dirMode, "directory");
  checkMode(spec.fileMode, "file");
  const files = [...spec.files];
  for (const f of files) checkFileName(f.name);
  files.sort((a, b) => compareBytes(a.name, b.name));
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.name === files[i - 1]!.name) throw new RangeError(`Cannot write cpio archive "${spec.target}": the name "${files[i]!.name}" appears twice`);
  }

  const w = new NewcWriter({ next: 1 });
  w.prefix(spec.target, spec.dirMode);
  for (const f of files) w.file(`${spec.target}/${f.name}`, spec.fileMode, f.content);
  return w.finish();
}

/**
 * Appends records the way systemd's pack_cpio_prefix(), pack_cpio_one() and pack_cpio_trailer() do. The inode
 * counter is passed in so that archives built together can share it, as systemd-boot's archives of a Type #1
 * entry's extras do (docs/initrd.md §4).
 */
export class NewcWriter {
  private readonly parts: ByteSource[] = [];
  private offset = 0;

  constructor(private readonly inode: { next: number }) {}

  get size(): number {
    return this.offset;
  }

  private push(p: ByteSource): void {
    this.parts.push(p);
    this.offset = checkedAdd(this.offset, sourceSize(p));
  }

  /**
   * The directories of `target`, like mkdir -p: leading ones `leadingMode` (0555, as systemd writes them), the
   * last one `dirMode`. The kernel applies a directory's mode also when the directory exists already.
   */
  prefix(target: string, dirMode: number, leadingMode = 0o555): void {
    checkTarget(target);
    checkMode(dirMode, "directory");
    checkMode(leadingMode, "directory");
    const components = target.split("/");
    for (let i = 0; i < components.length; i++) {
      const path = components.slice(0, i + 1).join("/");
      const mode = i === components.length - 1 ? dirMode : leadingMode;
      this.push(bytesSource(recordHeader({ ino: this.inode.next++, mode: S_IFDIR | mode, fileSize: 0, name: path, archiveOffset: this.offset })));
    }
  }

  /** One regular file at `path` (its directories must have been written). */
  file(path: string, mode: number, content: ByteSource): void {
    checkMode(mode, "file");
    const size = sourceSize(content);
    if (size > 0xffffffff) throw new RangeError(`Cannot write cpio file "${path}": it is ${size} bytes, more than cpio can store`);
    this.push(bytesSource(recordHeader({ ino: this.inode.next++, mode: S_IFREG | mode, fileSize: size, name: path, archiveOffset: this.offset })));
    if (size > 0) this.push(content);
    // Data padding is relative to the archive start; every record starts aligned, so this is the data's own padding.
    const pad = alignUp(this.offset, 4) - this.offset;
    if (pad > 0) this.push(zerosSource(pad));
  }

  /** The trailer, and the archive. */
  finish(): ByteSource {
    this.push(bytesSource(NEWC_TRAILER));
    return concatSources(this.parts);
  }
}

/** Header, name, NUL and name padding of one record starting at `archiveOffset` (a multiple of 4). */
function recordHeader(r: { ino: number; mode: number; fileSize: number; name: string; archiveOffset: number }): Uint8Array {
  const nameSize = r.name.length + 1;
  const end = alignUp(r.archiveOffset + NEWC_HEADER_SIZE + nameSize, 4);
  const out = new Uint8Array(end - r.archiveOffset);
  const text =
    "070701" + // magic
    word(r.ino) + // ino
    word(r.mode) + // mode
    word(0) + // uid
    word(0) + // gid
    word(1) + // nlink
    word(0) + // mtime: always 0 for stable measurements
    word(r.fileSize) + // filesize
    word(0) + // devmajor
    word(0) + // devminor
    word(0) + // rdevmajor
    word(0) + // rdevminor
    word(nameSize) + // namesize, including the NUL
    word(0) + // check
    r.name; // the NUL and the padding are the zeros already in `out`
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** 8 lowercase hex digits, as systemd's write_cpio_word(). */
function word(v: number): string {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`Cannot write cpio header field ${v}: out of the 32-bit range`);
  return v.toString(16).padStart(8, "0");
}

function checkTarget(target: string): void {
  if (target === "" || target.startsWith("/") || target.startsWith("./") || target.endsWith("/") || target.includes("//")) {
    throw new RangeError(`Cannot write cpio archive "${target}": the target must be a relative path without leading "/" or "./"`);
  }
  checkAscii(target, "target");
}

function checkFileName(name: string): void {
  // The stub skips such names when scanning (docs/initrd.md §1), so one reaching here is a caller's mistake.
  if (name === "" || name.includes("/") || name.length > 255) {
    throw new RangeError(`Cannot write cpio file "${name}": the name must be 1 to 255 characters without "/"`);
  }
  checkAscii(name, "file name");
}

function checkAscii(s: string, what: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c > 0x7f) throw new RangeError(`Cannot write cpio ${what} "${s}": it contains a NUL or non-ASCII character`);
  }
}

function checkMode(mode: number, what: string): void {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new RangeError(`Cannot write cpio ${what} mode ${mode}: only permission bits are allowed`);
}

/** Byte order of ASCII names, which equals systemd's strcmp16() order for the names the scan keeps. */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
