/**
 * The archives systemd-stub 257 generates, by name: target directory, modes and how each is measured
 * (docs/initrd.md §4 table, docs/measurements.md §2; systemd src/boot/stub.c generate_sidecar_initrds() and
 * generate_embedded_initrds()).
 */
import type { ByteSource } from "../bytes/byte-source.ts";
import { describeNewcArchive, type NewcFileSource } from "./cpio-newc.ts";

export type CpioTargetName = "credentials" | "globalCredentials" | "sysext" | "globalSysext" | "confext" | "globalConfext";

export interface CpioTarget {
  /** Directory inside the initrd. */
  target: string;
  dirMode: number;
  fileMode: number;
  /** PCR the whole archive is measured into, with this event description (EV_IPL). */
  pcr: number;
  description: string;
  /** First systemd release that generates it; ukiboot's default target is 257. */
  since: number;
}

/** Archives built from companion files (docs/initrd.md §1), in the order they enter the initrd. */
export const CPIO_TARGETS: Readonly<Record<CpioTargetName, CpioTarget>> = {
  credentials: { target: ".extra/credentials", dirMode: 0o500, fileMode: 0o400, pcr: 12, description: "Credentials initrd", since: 252 },
  globalCredentials: { target: ".extra/global_credentials", dirMode: 0o500, fileMode: 0o400, pcr: 12, description: "Global credentials initrd", since: 252 },
  sysext: { target: ".extra/sysext", dirMode: 0o555, fileMode: 0o444, pcr: 13, description: "System extension initrd", since: 252 },
  globalSysext: { target: ".extra/global_sysext", dirMode: 0o555, fileMode: 0o444, pcr: 13, description: "Global system extension initrd", since: 258 },
  confext: { target: ".extra/confext", dirMode: 0o555, fileMode: 0o444, pcr: 12, description: "Configuration extension initrd", since: 256 },
  globalConfext: {
    target: ".extra/global_confext",
    dirMode: 0o555,
    fileMode: 0o444,
    pcr: 12,
    description: "Global configuration extension initrd",
    since: 258,
  },
};

export type ExtraFileName = "pcrsig" | "pcrpkey" | "osrel" | "profile";

/**
 * UKI sections the stub passes on as single-file archives in /.extra, mode 0555/0444, never measured as
 * archives (.pcrsig is the signature of measurements; the others are measured as PCR 11 sections).
 */
export const EXTRA_FILES: Readonly<Record<ExtraFileName, { section: string; fileName: string }>> = {
  pcrsig: { section: ".pcrsig", fileName: "tpm2-pcr-signature.json" },
  pcrpkey: { section: ".pcrpkey", fileName: "tpm2-pcr-public-key.pem" },
  osrel: { section: ".osrel", fileName: "os-release" },
  profile: { section: ".profile", fileName: "profile" },
};

export const EXTRA_DIR = ".extra";
export const EXTRA_DIR_MODE = 0o555;
export const EXTRA_FILE_MODE = 0o444;

/** The archive of one companion-file kind (files as selected by selectCompanionFiles, any order). */
export function describeTargetArchive(name: CpioTargetName, files: NewcFileSource[]): ByteSource {
  const t = CPIO_TARGETS[name];
  return describeNewcArchive({ target: t.target, dirMode: t.dirMode, fileMode: t.fileMode, files });
}

/** The /.extra archive of one section; `content` is the section's C(s) (file bytes, zero-filled to VirtualSize). */
export function describeExtraFileArchive(name: ExtraFileName, content: ByteSource): ByteSource {
  return describeNewcArchive({
    target: EXTRA_DIR,
    dirMode: EXTRA_DIR_MODE,
    fileMode: EXTRA_FILE_MODE,
    files: [{ name: EXTRA_FILES[name].fileName, content }],
  });
}
