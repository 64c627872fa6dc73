/** The files an entry names, flat for the reports (`ukiboot list`, `bootctl list --json` fields), whatever its kind. */
import type { BootEntry, EntryFile } from "../model/boot-entry.ts";

export interface NamedFiles {
  linux?: EntryFile;
  efi?: EntryFile;
  uki?: EntryFile;
  /** A network entry's URL as written. */
  ukiUrl?: string;
  initrds: readonly EntryFile[];
  devicetree?: EntryFile;
  architecture?: string;
}

export function namedFiles(e: BootEntry): NamedFiles {
  switch (e.kind) {
    case "type2":
      return { initrds: [] };
    case "type1-linux":
      return { linux: e.linux, initrds: e.initrds, ...type1Extras(e) };
    case "type1-efi":
      return { efi: e.efi, initrds: [], ...type1Extras(e) };
    case "type1-uki":
      return { uki: e.uki, initrds: [], ...type1Extras(e) };
    case "uki-url":
      return { ukiUrl: e.ukiUrl, initrds: [] };
  }
}

function type1Extras(e: { devicetree?: EntryFile; architecture?: string }): Pick<NamedFiles, "devicetree" | "architecture"> {
  return { ...(e.devicetree ? { devicetree: e.devicetree } : {}), ...(e.architecture !== undefined ? { architecture: e.architecture } : {}) };
}
