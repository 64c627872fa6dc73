/**
 * BootEntry: one menu entry as the whole program sees it (discovery, menu, planning, EFI variables),
 * with the fields of boot-behaviour.md §1. Type #1 entries come from `\loader\entries\*.conf`, Type #2
 * from UKIs in `\EFI\Linux` (one entry per profile).
 */
import type { UkiSectionName } from "../pe/uki-sections.ts";

export type EntryKind = "type1-linux" | "type1-efi" | "type1-uki" | "type2";
export type EntrySource = "esp" | "xbootldr";

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
  /** C(s) is `fileSize` file bytes zero-filled up to this size (§1). */
  virtualSize: number;
}

/** A UKI (or add-on) as planning needs it: the effective sections of one profile, by range. */
export interface UkiImageRef extends EntryFile {
  fileSize: number;
  /** The selected profile (0 for add-ons and single-profile UKIs). */
  profile: number;
  profileCount: number;
  /** The effective, present sections of that profile (§5.2.2). */
  sections: Partial<Record<UkiSectionName, SectionRef>>;
  /** All `.dtbauto` candidates and `.efifw` blobs of the profile. */
  dtbauto: SectionRef[];
  efifw: SectionRef[];
  /** The decoded `.uname`, when the profile has one. */
  uname?: string;
  /** mangle(C(.cmdline)) of the profile, when it has a `.cmdline`. */
  cmdline?: string;
}

/** An add-on that applies to an entry (§11.2): global ones first, then the UKI's own. */
export interface BootAddon extends UkiImageRef {
  scope: "global" | "local";
  fileName: string;
}

export interface BootEntry {
  /** Lower-cased, counter-stripped file name, plus `@ID`/`@k` for UKI profiles > 0 (§6.1.4, §6.2.3). */
  id: string;
  /** The id of profile 0 of the same UKI; set for profiles > 0 only. */
  idWithoutProfile?: string;
  title?: string;
  /** The title shown, made unique over the whole list (§6.3). */
  showTitle: string;
  version?: string;
  sortKey?: string;
  machineId?: string;
  kind: EntryKind;
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
  /** Type #1 `linux`. */
  linux?: EntryFile;
  /** Type #1 `initrd` lines, in order; they apply to `linux` only. */
  initrds: EntryFile[];
  /** Type #1 `efi`. */
  efi?: EntryFile;
  /** Type #1 `uki` [≥258]. */
  uki?: EntryFile;
  /** Type #1 `devicetree` (used only with Secure Boot off, and not by kexec). */
  devicetree?: EntryFile;
  /** Type #1 `architecture` as written (entries of another architecture are never listed). */
  architecture?: string;
  /** Type #1: the joined `options` lines. Type #2: mangle(C(.cmdline)) of the profile. */
  options: string;
  /** True for Type #2: the options are shown but not passed as LoadOptions (§1). */
  optionsImplied: boolean;
  /** Type #2: the profile k; Type #1 `uki`: the `profile` key; otherwise undefined. */
  profile?: number;
  /** −1 (NOT_COUNTED) when the file name has no boot counter (§9.1). */
  triesLeft: number;
  triesDone: number;
  /** The file name after the next counter bump (§9.2), for counted entries. */
  nextFileName?: string;
  /** The menu hotkey: "l" for Linux kinds, none for `efi`. */
  hotkey?: string;
  /** The UKI the entry boots through the stub rules: Type #2, `uki`, or an `efi` target that is a UKI. */
  image?: UkiImageRef;
  /** Add-ons that apply (UKI kinds only), global first, each group in byte order. */
  addons: BootAddon[];
  /** The UKI's `.uname`, when it has one. */
  uname?: string;
}

/** Whether the entry has no tries left; bad entries sort last but still boot when chosen (§9.2.6). */
export function isBadEntry(e: Pick<BootEntry, "triesLeft">): boolean {
  return e.triesLeft === 0;
}
