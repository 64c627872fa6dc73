/**
 * BootEntry: one menu entry as the whole program sees it (discovery, menu, planning, EFI variables), a
 * union by kind in which each kind has only its own fields (docs/entries.md §8). Type #1 entries come from
 * `\loader\entries\*.conf`, Type #2 from UKIs in `\EFI\Linux` (one entry per profile, docs/entries.md §5).
 * What each kind allows is decided in entry-rules.ts.
 */
import type { UkiSectionName } from "../pe/uki-sections.ts";
import type { ExtraKind } from "../initrd/entry-extras-archive.ts";

export type EntryKind = "type1-linux" | "type1-efi" | "type1-uki" | "type2" | "uki-url";
/** The partition an entry is listed from, or "network" for entries that come from ukiboot.url= (docs/network.md §2). */
export type EntrySource = "esp" | "xbootldr" | "network";

/** triesLeft/triesDone of an entry without a boot counter. */
export const NOT_COUNTED = -1;

/** A file named by an entry: its host path and the path the EFI loader would use. */
export interface EntryFile {
  /** Host path, under the partition's mount point. */
  path: string;
  /** `\`-separated path relative to the partition root, e.g. `\EFI\Linux\x.efi`. */
  loaderPath: string;
}

/** Where one section's bytes are, so that the loader can read it by range later. */
export interface SectionRef {
  name: UkiSectionName;
  /** PointerToRawData. */
  fileOffset: number;
  /** min(VirtualSize, SizeOfRawData): bytes to read from the file. */
  fileSize: number;
  /** C(s) is `fileSize` file bytes zero-filled up to this size (docs/entries.md §4). */
  virtualSize: number;
}

/** A UKI (or add-on) as planning needs it: the effective sections of one profile, by range. */
export interface UkiImageRef extends EntryFile {
  fileSize: number;
  /** The selected profile (0 for add-ons and single-profile UKIs). */
  profile: number;
  profileCount: number;
  /** The effective, present sections of that profile (docs/entries.md §5). */
  sections: Partial<Record<UkiSectionName, SectionRef>>;
  /** All `.dtbauto` candidates and `.efifw` blobs of the profile. */
  dtbauto: SectionRef[];
  efifw: SectionRef[];
  /** The decoded `.uname`, when the profile has one. */
  uname?: string;
  /** mangle(C(.cmdline)) of the profile, when it has a `.cmdline`. */
  cmdline?: string;
}

/** An add-on that applies to an entry (docs/initrd.md §2): global ones first, then the UKI's own. */
export interface BootAddon extends UkiImageRef {
  scope: "global" | "local";
  fileName: string;
}

/** What every kind of entry has: where its file is, how it is listed and sorted, and its boot counter. */
interface EntryBase {
  /** Lower-cased, counter-stripped file name, plus `@ID`/`@k` for UKI profiles > 0 (docs/entries.md §5). */
  id: string;
  title?: string;
  /** The title shown, made unique over the whole list (docs/entries.md §7). */
  showTitle: string;
  version?: string;
  sortKey?: string;
  machineId?: string;
  source: EntrySource;
  /** Host mount path of the entry's partition. */
  root: string;
  /** `\loader\entries` or `\EFI\Linux`. */
  dir: string;
  /** The file name on disk, boot counter included. */
  fileName: string;
  /** Host path of the entry file (the .conf or the UKI). */
  path: string;
  /** `dir + "\" + fileName`. */
  loaderPath: string;
  /** Type #1: the joined `options` lines. Type #2: mangle(C(.cmdline)) of the profile, shown but not passed. */
  options: string;
  /** −1 (NOT_COUNTED) when the file name has no boot counter (docs/efi-variables.md §5). */
  triesLeft: number;
  triesDone: number;
  /** The file name after the next counter bump, for counted entries. */
  nextFileName?: string;
}

export type CompanionFileKind = "credentials" | "sysext" | "confext";

/** A credential or extension image the stub packs for a UKI (docs/initrd.md §1). */
export interface CompanionFile extends EntryFile {
  kind: CompanionFileKind;
  /** `\loader\credentials` and `\loader\extensions`, or the UKI's own `.extra.d`. */
  scope: "global" | "local";
  fileName: string;
  size: number;
}

/** A UKI booted through the stub rules: its effective sections, the add-ons that apply, and its companion files. */
interface UkiParts {
  image: UkiImageRef;
  /** Add-ons that apply, global first, each group in byte order (docs/initrd.md §2). */
  addons: BootAddon[];
  /** By kind, the UKI's own before the global ones, each group in byte order (companion-scan.ts). */
  companions: CompanionFile[];
}

/** What Type #1 entry files add: the keys that name other files. */
interface Type1Base extends EntryBase {
  /** `architecture` as written (entries of another architecture are never listed). */
  architecture?: string;
  /** `devicetree` (used only with Secure Boot off, and never by kexec). */
  devicetree?: EntryFile;
}

/** Type #2: one profile of a UKI in `\EFI\Linux`. */
export interface UkiProfileEntry extends EntryBase, UkiParts {
  kind: "type2";
  /** The profile k of the UKI. */
  profile: number;
  /** The id of profile 0 of the same UKI; set for profiles > 0 only. */
  idWithoutProfile?: string;
}

/** Type #1 `linux`: a kernel file with `initrd` lines. */
export interface LinuxEntry extends Type1Base {
  kind: "type1-linux";
  linux: EntryFile;
  /** The `initrd` lines, in order. */
  initrds: EntryFile[];
}

/** Type #1 `efi`: an EFI program, which kexec can start only when it is a UKI or an EFI-stub kernel. */
export interface EfiEntry extends Type1Base, Partial<UkiParts> {
  kind: "type1-efi";
  efi: EntryFile;
}

export type { ExtraKind };

/** One `extra` file of a `uki` entry that systemd-boot 262 would load: it exists, is a file and is not empty. */
export interface EntryExtra extends EntryFile {
  kind: ExtraKind;
  /** Its base name, which becomes its name in the initrd. */
  fileName: string;
  size: number;
}

/** Type #1 `uki` [≥258]: a UKI named by an entry file, with an optional `profile` and `extra` files [261]. */
export interface Type1UkiEntry extends Type1Base, UkiParts {
  kind: "type1-uki";
  uki: EntryFile;
  profile?: number;
  /** The `extra` files in the order of their lines. */
  extras: EntryExtra[];
}

/**
 * A UKI fetched over HTTP(S) when it is booted (docs/network.md): a Type #1 `uki-url` entry [≥258], the
 * UKI `ukiboot.url=` names, or an entry of the boot index it names. It becomes a Type #2 entry of the
 * downloaded file (src/flow/fetch-entry.ts), which is verified, planned and measured like a local one.
 */
export interface NetworkEntry extends EntryBase {
  kind: "uki-url";
  /** Where the entry was found: an entry file on the ESP, ukiboot.url= itself, or the index it names. */
  foundIn: "entry-file" | "kernel-option" | "index";
  /** The URL as written: a `uki-url` value may be relative (`:name.efi`). */
  ukiUrl: string;
  /** The absolute URL, resolved against the loader's origin (docs/network.md §1). */
  url: string;
  /** The UKI profile to boot (`profile` of the entry file or the index). */
  profile?: number;
  /** The UKI's size in bytes, once it was fetched. */
  size?: number;
  /** Add-ons, credentials and extensions fetched with it: the URLs a boot index lists in `extras`. */
  extras?: string[];
}

export type BootEntry = UkiProfileEntry | LinuxEntry | EfiEntry | Type1UkiEntry | NetworkEntry;

/** The entry under a new file name (after a boot-counter rename), with its counter as that name says. */
export function withFileName<E extends BootEntry>(entry: E, fileName: string, counter: { triesLeft: number; triesDone: number; next?: string }): E {
  const path = `${entry.path.slice(0, entry.path.length - entry.fileName.length)}${fileName}`;
  const loaderPath = `${entry.dir}\\${fileName}`;
  const { nextFileName: _old, ...rest } = entry;
  const renamed = {
    ...rest,
    fileName,
    path,
    loaderPath,
    triesLeft: counter.triesLeft,
    triesDone: counter.triesDone,
    ...(counter.next !== undefined ? { nextFileName: counter.next } : {}),
  } as E;
  // A Type #2 entry is its own UKI: the image is read from the new name too.
  if (renamed.kind === "type2" && renamed.image.path === entry.path) renamed.image = { ...renamed.image, path, loaderPath };
  return renamed;
}

/** Whether the entry has no tries left; bad entries sort last but still boot when chosen (docs/efi-variables.md §5). */
export function isBadEntry(e: Pick<BootEntry, "triesLeft">): boolean {
  return e.triesLeft === 0;
}
