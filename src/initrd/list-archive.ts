/**
 * Lists the files of one cpio archive, for `ukiboot plan` output and tests. Reading is delegated to the
 * npm package cpio-stream, which reads newc, newc-crc and odc; it cannot write what systemd-stub writes
 * (it writes uppercase hex, the current time, dev 0777777 and pads to 512 bytes), so cpio-newc.ts writes.
 * It stops at the first TRAILER!!!, so it lists one archive; initrd-walk.ts follows concatenated ones.
 */
import cpio from "cpio-stream";
import { FormatError } from "../errors.ts";

export interface ArchiveEntry {
  name: string;
  type: "file" | "directory" | "symlink" | "socket" | "block-device" | "character-device" | "fifo" | "unknown";
  /** Full st_mode, type bits included. */
  mode: number;
  ino: number;
  nlink: number;
  /** Seconds since the epoch. */
  mtime: number;
  size: number;
  uid: number;
  gid: number;
  linkname?: string;
}

export interface ArchiveListing {
  entries: ArchiveEntry[];
  /** Whether the TRAILER!!! record was reached. */
  complete: boolean;
}

/**
 * Lists the records of the archive at the start of `bytes`, up to its trailer.
 * @throws FormatError when a record has no cpio magic
 * @example (await listNewcArchive(writeNewcArchive(spec))).entries.map((e) => e.name)  // [".extra", ".extra/credentials", …]
 */
export function listNewcArchive(bytes: Uint8Array, opts: { source?: string } = {}): Promise<ArchiveListing> {
  const source = opts.source ?? "archive";
  return new Promise((resolve, reject) => {
    const ex = cpio.extract();
    const entries: ArchiveEntry[] = [];
    let pending = 0;
    let finished = false;
    let failed = false;
    const settle = () => {
      if (failed || !finished) return;
      // cpio-stream reports the trailer only through its internal end flag; an archive cut short never sets it.
      const complete = (ex as unknown as { _end?: boolean })._end === true && pending === 0;
      resolve({ entries, complete });
    };
    ex.on("entry", (h, stream, next) => {
      pending++;
      const entry: ArchiveEntry = {
        name: h.name,
        type: h.type === false ? "unknown" : h.type,
        mode: h.mode,
        ino: h.ino,
        nlink: h.nlink,
        mtime: Math.round(h.mtime.getTime() / 1000),
        size: h.size,
        uid: h.uid,
        gid: h.gid,
      };
      if (h.linkname !== undefined) entry.linkname = h.linkname;
      entries.push(entry);
      stream.on("end", () => {
        pending--;
        next();
        settle();
      });
      stream.resume();
    });
    ex.on("error", (err) => {
      failed = true;
      reject(new FormatError("cpio", source, `Cannot list cpio archive "${source}": ${err.message}`, { cause: err }));
    });
    ex.on("finish", () => {
      finished = true;
      settle();
    });
    ex.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
}
