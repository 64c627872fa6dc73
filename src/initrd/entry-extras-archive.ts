/**
 * The archives systemd-boot 262 makes of a Type #1 `uki` entry's `extra` files (docs/initrd.md §4,
 * systemd-boot's load_extras()): one archive per kind with the files in the order of their lines, not sorted;
 * the target's directories written again before every file; one inode counter over all three archives. The
 * archives are measured one by one into the PCR of their kind before the stub starts, and reach the stub as
 * the initrd registered before it ("previous"), so they sit between the UKI's .ucode and .initrd.
 */
import type { ByteSource } from "../bytes/byte-source.ts";
import { NewcWriter } from "./cpio-newc.ts";
import { CPIO_TARGETS } from "./cpio-targets.ts";

/** What an `extra` file of a `uki` entry becomes in the initrd, by its suffix (docs/entries.md §6). */
export type ExtraKind = "credential" | "sysext" | "confext";

export interface EntryExtraTarget {
  target: string;
  dirMode: number;
  fileMode: number;
  pcr: number;
  /** The EV_IPL event's description. */
  description: string;
}

/** Same directories and modes as the stub's own archives of those kinds; other event descriptions. */
export const ENTRY_EXTRA_TARGETS: Readonly<Record<ExtraKind, EntryExtraTarget>> = {
  credential: { ...CPIO_TARGETS.credentials, description: "Entry credentials initrd" },
  sysext: { ...CPIO_TARGETS.sysext, description: "Entry system extension initrd" },
  confext: { ...CPIO_TARGETS.confext, description: "Entry configuration extension initrd" },
};

/** The order systemd-boot combines (and measures) the three archives in. */
export const ENTRY_EXTRA_ORDER: readonly ExtraKind[] = ["credential", "sysext", "confext"];

export interface EntryExtraFile {
  kind: ExtraKind;
  /** The file's own name: its name in the initrd. */
  fileName: string;
  content: ByteSource;
}

/** The archives of `files` (in line order); a kind without files has none. */
export function describeEntryExtraArchives(files: readonly EntryExtraFile[]): Partial<Record<ExtraKind, ByteSource>> {
  const inode = { next: 1 };
  const writers: Partial<Record<ExtraKind, NewcWriter>> = {};
  for (const f of files) {
    const t = ENTRY_EXTRA_TARGETS[f.kind];
    const w = (writers[f.kind] ??= new NewcWriter(inode));
    // systemd-boot writes the prefix before every file rather than tracking what it already wrote.
    w.prefix(t.target, t.dirMode);
    w.file(`${t.target}/${f.fileName}`, t.fileMode, f.content);
  }
  const out: Partial<Record<ExtraKind, ByteSource>> = {};
  for (const kind of ENTRY_EXTRA_ORDER) {
    const w = writers[kind];
    if (w) out[kind] = w.finish();
  }
  return out;
}
