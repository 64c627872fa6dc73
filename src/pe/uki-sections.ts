/**
 * The UKI section names in canonical measurement order: systemd's `UnifiedSection` enum in
 * src/fundamental/uki.h (docs/entries.md §5). The stub and systemd-measure extend PCR 11 in this
 * order, so PLEASE DO NOT REORDER; new names go at the end.
 */

export const UKI_SECTIONS = [
  ".linux",
  ".osrel",
  ".cmdline",
  ".initrd",
  ".ucode",
  ".splash",
  ".dtb",
  ".uname",
  ".sbat",
  ".pcrsig",
  ".pcrpkey",
  ".profile",
  ".dtbauto",
  ".hwids",
  ".efifw",
] as const;

export type UkiSectionName = (typeof UKI_SECTIONS)[number];

export function isUkiSectionName(name: string): name is UkiSectionName {
  return (UKI_SECTIONS as readonly string[]).includes(name);
}

/** Sections that may appear several times in one range; every copy is a candidate (docs/entries.md §5). */
export const REPEATABLE_SECTIONS: readonly UkiSectionName[] = [".dtbauto", ".efifw"];

/** Sections an add-on may contribute; it needs at least one of them (docs/initrd.md §2). */
export const ADDON_PAYLOAD_SECTIONS: readonly UkiSectionName[] = [".cmdline", ".dtb", ".dtbauto", ".initrd", ".ucode"];

/** Small text sections that listing reads; everything else is read only when booting. */
export const LISTING_SECTIONS: readonly UkiSectionName[] = [".osrel", ".cmdline", ".uname", ".profile", ".sbat"];

/**
 * The largest text section ukiboot reads while listing. An older systemd bootspec.c capped PE text
 * sections at 4 MiB; a bigger `.osrel` or `.cmdline` is a broken or hostile file, not a real one.
 */
export const TEXT_SECTION_MAX = 4 * 1024 * 1024;

/** At most this many profiles are enumerated (docs/entries.md §5). */
export const MAX_PROFILES = 256;
