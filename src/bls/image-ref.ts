/**
 * The bridge from a parsed PE (src/pe) to the range references kept in a BootEntry (src/model), so
 * that planning reads `.linux`, `.initrd` and the rest later without parsing again.
 */
import type { EntryFile, SectionRef, UkiImageRef } from "../model/boot-entry.ts";
import type { PeImage, PeSection } from "../pe/pe.ts";
import type { EffectiveSections } from "../pe/uki.ts";
import type { UkiSectionName } from "../pe/uki-sections.ts";

export function toSectionRef(s: PeSection, name: UkiSectionName): SectionRef {
  return { name, fileOffset: s.fileOffset, fileSize: s.fileSize, virtualSize: s.virtualSize };
}

export function toImageRef(file: EntryFile, pe: PeImage, eff: EffectiveSections, profile: number, profileCount: number): UkiImageRef {
  const sections: UkiImageRef["sections"] = {};
  for (const [name, s] of Object.entries(eff.byName) as [UkiSectionName, PeSection][]) sections[name] = toSectionRef(s, name);
  return {
    path: file.path,
    loaderPath: file.loaderPath,
    fileSize: pe.fileSize,
    profile,
    profileCount,
    sections,
    dtbauto: eff.dtbauto.map((s) => toSectionRef(s, ".dtbauto")),
    efifw: eff.efifw.map((s) => toSectionRef(s, ".efifw")),
  };
}
