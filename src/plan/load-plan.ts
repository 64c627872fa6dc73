/**
 * The load plan: pure data saying exactly what kexec_file_load will receive (the kernel's bytes, the merged
 * initrd as a laid-out list of members, the command line) and what was measured or dropped on the way,
 * built from an entry before anything is read in full. `ukiboot plan` prints it; the effect layer
 * materialises it into memfds.
 */
import type { ComposedCmdline } from "../cmdline/compose.ts";
import type { ByteSource } from "../bytes/byte-source.ts";
import type { InitrdLayout } from "../initrd/initrd-layout.ts";
import type { BootAddon, UkiImageRef } from "../model/boot-entry.ts";

export interface LoadPlan {
  entryId: string;
  /** The file the kernel comes from, for messages (the UKI or the Type #1 `linux`/`efi` path). */
  label: string;
  kernel: ByteSource;
  /** The kernel bytes are compressed this way and are undone before kexec_file_load (arm64, docs/kexec.md §10). */
  kernelEncoding?: "gzip" | "zstd";
  initrd: InitrdLayout;
  cmdline: string;
  /** How the command line came about: LoadOptions, the profile booted, the PCR 12 pieces. */
  composed: ComposedCmdline;
  /** Sentences for the person: dropped custom command lines, devicetrees not applied, ignored add-ons. */
  notes: string[];
  /** For UKI kinds: the image and the add-ons that were used, which the TPM measurements need. */
  uki?: { image: UkiImageRef; addons: BootAddon[] };
  /**
   * The file a firmware would have started for this entry, whole: the UKI, or the plain kernel (whose
   * `kernel` may be narrowed to a compressed payload on arm64). Measured into PCR 4 (docs/measurements.md §2).
   */
  bootImage: { path: string; loaderPath: string; size: number };
  /** The UKI's `.splash`, read from the verified copy when the boot asked for it (LoadOptions.readSplash; docs/splash.md §3). */
  splash?: Uint8Array;
}
