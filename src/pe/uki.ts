/**
 * What a PE image is to a boot loader (UKI, add-on or plain PE), the profile ranges of a multi-profile
 * UKI and the effective sections of each profile (docs/entries.md §5, docs/initrd.md §2). Works on the section
 * table only; the bytes are read by whoever needs them.
 */
import { FormatError } from "../errors.ts";
import { MACHINE_BY_ARCH, type EfiArch } from "./efi-arch.ts";
import { findSection, type PeImage, type PeSection } from "./pe.ts";
import { ADDON_PAYLOAD_SECTIONS, MAX_PROFILES, UKI_SECTIONS, type UkiSectionName } from "./uki-sections.ts";

export type PeKind = "uki" | "addon" | "pe";

/** The sections one profile of a UKI (or an add-on) uses. Absent and masked sections are left out. */
export interface EffectiveSections {
  /** Per name, the section that wins (docs/entries.md §5); only present ones (VirtualSize ≠ 0). */
  byName: Partial<Record<UkiSectionName, PeSection>>;
  /** Every present `.dtbauto` candidate, in table order (the profile's own, else the base's). */
  dtbauto: PeSection[];
  /** Every present `.efifw` blob, in table order (the profile's own, else the base's). */
  efifw: PeSection[];
}

/** A half-open range [start, end) of section table indexes. */
export interface SectionRange {
  start: number;
  end: number;
}

export interface ProfileRanges {
  /** Everything before the first `.profile`. */
  base: SectionRange;
  /** Profile k runs from the (k+1)-th `.profile` to the next one or the end; at most 256 of them. */
  profiles: SectionRange[];
}

/** Splits the section table at its `.profile` sections (docs/entries.md §5). */
export function profileRanges(pe: PeImage): ProfileRanges {
  const starts: number[] = [];
  pe.sections.forEach((s, i) => {
    if (s.name === ".profile") starts.push(i);
  });
  const n = pe.sections.length;
  const baseEnd = starts[0] ?? n;
  const profiles = starts.slice(0, MAX_PROFILES).map((start, k) => ({ start, end: starts[k + 1] ?? n }));
  return { base: { start: 0, end: baseEnd }, profiles };
}

/**
 * The number of profiles a UKI offers: 1 without `.profile` (the base is profile 0), otherwise the
 * number of `.profile` sections, at most 256 (docs/entries.md §5-4).
 */
export function profileCount(pe: PeImage): number {
  return Math.max(1, profileRanges(pe).profiles.length);
}

/**
 * The effective sections of profile `k`: per name the first match in the profile's range (a zero-size
 * match masks the base), else the first match in the base range (docs/entries.md §5).
 * @throws FormatError when profile k > 0 does not exist
 */
export function effectiveSections(pe: PeImage, k: number): EffectiveSections {
  const ranges = profileRanges(pe);
  const own = ranges.profiles[k];
  if (own === undefined && k !== 0) {
    throw new FormatError("uki", pe.source, `Cannot select profile ${k} of "${pe.source}": it has ${profileCount(pe)} profile(s)`);
  }
  const byName: Partial<Record<UkiSectionName, PeSection>> = {};
  for (const name of UKI_SECTIONS) {
    const s = (own && findSection(pe.sections, name, own.start, own.end)) ?? findSection(pe.sections, name, ranges.base.start, ranges.base.end);
    if (s && s.virtualSize !== 0) byName[name] = s;
  }
  const candidates = (name: UkiSectionName): PeSection[] => {
    const inRange = (r: SectionRange) => pe.sections.slice(r.start, r.end).filter((s) => s.name === name);
    const mine = own ? inRange(own) : [];
    return (mine.length > 0 ? mine : inRange(ranges.base)).filter((s) => s.virtualSize !== 0);
  };
  return { byName, dtbauto: candidates(".dtbauto"), efifw: candidates(".efifw") };
}

/**
 * The sections an add-on (or any PE loaded without profile handling) exposes: the first match of
 * each name anywhere in the table, as the stub locates add-on sections.
 */
export function firstMatchSections(pe: PeImage): EffectiveSections {
  const byName: Partial<Record<UkiSectionName, PeSection>> = {};
  for (const name of UKI_SECTIONS) {
    const s = findSection(pe.sections, name);
    if (s && s.virtualSize !== 0) byName[name] = s;
  }
  const all = (name: UkiSectionName) => pe.sections.filter((s) => s.name === name && s.virtualSize !== 0);
  return { byName, dtbauto: all(".dtbauto"), efifw: all(".efifw") };
}

/**
 * UKI when profile 0 has a `.linux`; add-on when the image has no `.linux` but one of the add-on
 * payload sections; anything else is a plain PE (an EFI program or a bare EFI-stub kernel).
 */
export function classifyPe(pe: PeImage): PeKind {
  if (effectiveSections(pe, 0).byName[".linux"]) return "uki";
  const first = firstMatchSections(pe);
  if (ADDON_PAYLOAD_SECTIONS.some((n) => first.byName[n] !== undefined)) return "addon";
  return "pe";
}

/** Whether the image's machine type is exactly the native one (docs/entries.md §4: no compatibility modes). */
export function isNativeImage(pe: PeImage, arch: EfiArch): boolean {
  return pe.machine === MACHINE_BY_ARCH[arch];
}

/**
 * Why the stub would refuse this add-on, or undefined when it is acceptable (docs/initrd.md §2 items 1-2).
 * The `.uname` comparison needs section bytes and is done by addonUnameMatches().
 */
export function addonDefect(pe: PeImage, arch: EfiArch): string | undefined {
  if (!isNativeImage(pe, arch)) return `its machine type 0x${pe.machine.toString(16)} is not the native ${arch}`;
  const s = firstMatchSections(pe).byName;
  if (s[".linux"]) return "it has a .linux section: it is a UKI, not an add-on";
  if (!ADDON_PAYLOAD_SECTIONS.some((n) => s[n] !== undefined)) return `it has none of the sections ${ADDON_PAYLOAD_SECTIONS.join(" ")}`;
  return undefined;
}

/**
 * The stub's `.uname` check (docs/initrd.md §2): `strncmp(ukiUname, addon, VirtualSize(addon .uname)) == 0`.
 * `addonUname` is C(s) of the add-on's `.uname`, i.e. VirtualSize bytes with zero fill, so an add-on
 * uname without a NUL matches every UKI uname it prefixes.
 */
export function addonUnameMatches(ukiUname: Uint8Array, addonUname: Uint8Array): boolean {
  for (let i = 0; i < addonUname.length; i++) {
    const a = ukiUname[i] ?? 0;
    const b = addonUname[i]!;
    if (a !== b) return false;
    if (a === 0) return true;
  }
  return true;
}
