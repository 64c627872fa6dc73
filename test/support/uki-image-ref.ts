/** A UKI reference as discovery makes it, for rule tests that only care whether the image has a `.cmdline`. */
import type { UkiImageRef } from "../../src/model/boot-entry.ts";

export const ukiImageRef = (withCmdline: boolean): UkiImageRef => ({
  path: "/esp/EFI/Linux/a.efi",
  loaderPath: "\\EFI\\Linux\\a.efi",
  fileSize: 1,
  profile: 0,
  profileCount: 1,
  sections: withCmdline ? { ".cmdline": { name: ".cmdline", fileOffset: 0, fileSize: 4, virtualSize: 4 } } : {},
  dtbauto: [],
  efifw: [],
});
