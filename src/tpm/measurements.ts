/**
 * What the firmware, systemd-boot 257, systemd-stub 257 and the Linux EFI stub measure before a kernel runs,
 * as an ordered list of events (docs/measurements.md §2, docs/measurements.md §1 formula; systemd
 * docs/TPM2_PCR_MEASUREMENTS.md; Linux drivers/firmware/efi/libstub/efi-stub-helper.c).
 * Pure: the events carry the bytes to hash (or a getter for large ones, or an image's Authenticode digest);
 * applyMeasurements() extends them.
 *
 * Strings are measured as UTF-16LE *with* the 2-byte NUL, as the 257 code does (the document says without).
 */
import type { DigestAlgorithm, Digests } from "../bytes/digest.ts";

/** Bytes to hash, or a getter so a large section is read only when it is measured. */
export type MeasuredBytes =
  | Uint8Array
  | (() => Uint8Array | Promise<Uint8Array>)
  /** Large data (a 100 MB .initrd) as a stream of chunks, hashed as it is read, never held whole. */
  | { chunks: () => AsyncIterable<Uint8Array> };

/**
 * A PE image as the firmware measures it when LoadImage() starts it: not a digest of its bytes but its
 * Authenticode digest (the PE image hash), computed in each bank's own algorithm.
 */
export interface PeImageDigest {
  authenticode: (algorithms: readonly DigestAlgorithm[]) => Promise<Digests>;
}

/** What an event extends: bytes to hash, or a loaded image's Authenticode digest. */
export type MeasuredData = MeasuredBytes | PeImageDigest;

export function isPeImageDigest(data: MeasuredData): data is PeImageDigest {
  return typeof data === "object" && "authenticode" in data;
}

/** TCG PC Client event types systemd-stub uses. */
export const EV_IPL = 0x0000000d;
export const EV_EVENT_TAG = 0x00000006;
/** The firmware's event for an EFI application it starts, in PCR 4. */
export const EV_EFI_BOOT_SERVICES_APPLICATION = 0x80000003;
/**
 * The TCG type of a boundary between stages; ukiboot's cap (src/tpm/pcr-cap.ts) is one, though its data is
 * ukiboot's own text rather than the four bytes firmware uses.
 */
export const EV_SEPARATOR = 0x00000004;

/** EV_EVENT_TAG ids (systemd src/fundamental/tpm2-pcr.h / docs). */
export const EVENT_TAG = {
  loaderConf: 0xf5bc582a,
  profile: 0x13aed6db,
  devicetreeAddon: 0x6c46f751,
  ucodeAddon: 0xdac08e1a,
  initrdAddon: 0x49dffe0f,
  /** The Linux EFI stub's INITRD_EVENT_TAG_ID: the initrd it loaded through LoadFile2. */
  linuxInitrd: 0x8f3b22ec,
  /** The Linux EFI stub's LOAD_OPTIONS_EVENT_TAG_ID: the LoadOptions it was started with. */
  linuxLoadOptions: 0x8f3b22ed,
} as const;

/** PCRs, as systemd names them (UAPI.7 Linux TPM PCR Registry). */
export const TPM2_PCR_BOOT_LOADER_CODE = 4;
export const TPM2_PCR_KERNEL_INITRD = 9;
export const TPM2_PCR_KERNEL_BOOT = 11;
export const TPM2_PCR_KERNEL_CONFIG = 12;
export const TPM2_PCR_SYSEXTS = 13;

/**
 * Sections measured into PCR 11, in canonical order: the UnifiedSection enum of systemd 257's uki.h
 * without .pcrsig (never measured), .efifw (≥258) and .dtbauto. The stub measures a .dtbauto only when it
 * matched the firmware's devicetree or the machine's hardware ids; ukiboot has no devicetree to match and
 * kexec cannot pass one, so none matches, as under the stub on a machine without one (docs/measurements.md
 * §2, checked against the real stub by test/e2e/stub-oracle.e2e.test.ts). Unknown names are not measured.
 */
export const PCR11_SECTION_ORDER = [
  ".linux",
  ".osrel",
  ".cmdline",
  ".initrd",
  ".ucode",
  ".splash",
  ".dtb",
  ".uname",
  ".sbat",
  ".pcrpkey",
  ".profile",
  ".hwids",
] as const;

export interface MeasurementEvent {
  pcr: number;
  /** The bytes whose digest is extended, or the image whose Authenticode digest is. */
  data: MeasuredData;
  eventType: "EV_IPL" | "EV_EVENT_TAG" | "EV_SEPARATOR" | "EV_EFI_BOOT_SERVICES_APPLICATION";
  /** For EV_EVENT_TAG: the tag id. */
  eventTag?: number;
  /** What the event log says (the string, section name, addon file name or a fixed text). */
  description: string;
}

/** A section of the chosen profile: `data` is C(s), the VirtualSize bytes (docs/entries.md §4). */
export interface MeasuredSection {
  name: string;
  data: MeasuredBytes;
  /** VirtualSize; a section with size 0 is absent (a profile's mask) and not measured. */
  size: number;
}

/** An add-on's piece with the add-on's file name (the event description). */
export interface AddonPiece {
  fileName: string;
  data: MeasuredBytes;
}

/**
 * An image the firmware would have started with LoadImage(): the UKI or plain kernel systemd-boot starts, an
 * add-on the stub loads. `data` is its Authenticode digest; a kernel that is no PE image, which no firmware
 * could start, gives the bytes of its file instead.
 */
export interface LoadedImage {
  /** What the event log says: its path on its partition. */
  description: string;
  data: PeImageDigest | MeasuredBytes;
}

export interface MeasurementInputs {
  /**
   * systemd-boot's LoadOptions (row 1): for a UKI, `L` of docs/command-line.md §2 (the confirmed edit, with "@N " for
   * profiles > 0), null when there is none; for Type #1 `linux`, the docs/command-line.md §3 string. Measured when non-empty.
   */
  loadOptions?: string | null;
  /** A plain kernel (Type #1 `linux`, an `efi` EFI-stub kernel) gets the Linux EFI stub's events instead of systemd-stub's. */
  kind: "uki" | "type1-linux";
  /** The image systemd-boot starts, as the firmware measures it into PCR 4. */
  bootImage?: LoadedImage;
  /** The add-ons the stub loads, in its order (global, then the UKI's own), as the firmware measures them into PCR 4. */
  addonImages?: LoadedImage[];
  /** A plain kernel's initrd, as its EFI stub loads it through LoadFile2 and measures it into PCR 9; absent when empty. */
  initrd?: MeasuredBytes;
  /** The selected profile's effective sections (any order; PCR 11 order is applied here). */
  sections?: MeasuredSection[];
  /** The selected profile number; 0 is not measured. */
  profile?: number;
  /** The custom command line the stub accepted (after mangling); not set when dropped under Secure Boot. */
  customCmdline?: string | null;
  /** The joined, mangled add-on command line (one event for all add-ons). */
  addonCmdline?: string | null;
  /** SMBIOS Type 11 io.systemd.stub.kernel-cmdline-extra, mangled. */
  smbiosCmdlineExtra?: string | null;
  /** Generated cpio archives (docs/initrd.md §4), whole; absent when no file matched. */
  credentials?: Uint8Array;
  globalCredentials?: Uint8Array;
  sysext?: Uint8Array;
  /** [≥258] \loader\extensions. */
  globalSysext?: Uint8Array;
  confext?: Uint8Array;
  globalConfext?: Uint8Array;
  /**
   * [262] systemd-boot's archives of a Type #1 `uki` entry's extras, in its order (credentials, sysexts,
   * confexts), each with its PCR and description; measured by systemd-boot before anything else.
   */
  entryExtras?: { pcr: number; description: string; bytes: Uint8Array }[];
  /** Add-on `.ucode` pieces in add-on load order (global, then UKI-specific); measured in reverse. */
  addonUcode?: AddonPiece[];
  /** Add-on `.initrd` pieces in load order. */
  addonInitrds?: AddonPiece[];
}

/** UTF-16LE with the terminating NUL, as systemd-boot and the stub measure strings. */
export function utf16WithNul(text: string): Uint8Array {
  const out = new Uint8Array((text.length + 1) * 2);
  const v = new DataView(out.buffer);
  for (let i = 0; i < text.length; i++) v.setUint16(i * 2, text.charCodeAt(i), true);
  return out;
}

/** The section name in ASCII with its NUL, the first of the two PCR 11 events per section. */
function sectionNameBytes(name: string): Uint8Array {
  const out = new Uint8Array(name.length + 1);
  for (let i = 0; i < name.length; i++) out[i] = name.charCodeAt(i) & 0x7f;
  return out;
}

/** PCR 11 events for the effective sections, in canonical order (docs/measurements.md §2 row 3; also what docs/measurements.md §3 predicts). */
export function pcr11Events(sections: MeasuredSection[]): MeasurementEvent[] {
  const events: MeasurementEvent[] = [];
  for (const name of PCR11_SECTION_ORDER) {
    const s = sections.find((x) => x.name === name);
    if (!s || s.size === 0) continue;
    events.push({ pcr: TPM2_PCR_KERNEL_BOOT, data: sectionNameBytes(name), eventType: "EV_IPL", description: name });
    events.push({ pcr: TPM2_PCR_KERNEL_BOOT, data: s.data, eventType: "EV_IPL", description: name });
  }
  return events;
}

/**
 * The events to extend before kexec, in the order systemd-boot then systemd-stub extend them.
 * @example planMeasurements({ kind: "uki", sections, profile: 1 }).map((e) => e.pcr) // [12, 11, 11, …]
 */
export function planMeasurements(inputs: MeasurementInputs): MeasurementEvent[] {
  const events: MeasurementEvent[] = [];
  const ipl = (pcr: number, text: string | null | undefined) => {
    if (text) events.push({ pcr, data: utf16WithNul(text), eventType: "EV_IPL", description: text });
  };
  const archive = (pcr: number, bytes: Uint8Array | undefined, description: string) => {
    if (bytes && bytes.byteLength > 0) events.push({ pcr, data: bytes, eventType: "EV_IPL", description });
  };
  const tagged = (pieces: AddonPiece[] | undefined, tag: number) => {
    for (const p of pieces ?? []) events.push({ pcr: TPM2_PCR_KERNEL_CONFIG, data: p.data, eventType: "EV_EVENT_TAG", eventTag: tag, description: p.fileName });
  };

  const loaded = (image: LoadedImage | undefined) => {
    if (!image) return;
    const pe = isPeImageDigest(image.data);
    events.push({
      pcr: TPM2_PCR_BOOT_LOADER_CODE,
      data: image.data,
      eventType: pe ? "EV_EFI_BOOT_SERVICES_APPLICATION" : "EV_IPL",
      description: image.description,
    });
  };

  // Row 0: systemd-boot, as it registers the entry's extras as an initrd.
  for (const x of inputs.entryExtras ?? []) archive(x.pcr, x.bytes, x.description);
  // The firmware, as systemd-boot loads the image.
  loaded(inputs.bootImage);
  // Row 1: systemd-boot, before starting the image.
  ipl(TPM2_PCR_KERNEL_CONFIG, inputs.loadOptions);
  if (inputs.kind === "type1-linux") {
    // The Linux EFI stub: the LoadOptions it was given (systemd-boot's, with their NUL), then the initrd it loads.
    if (inputs.loadOptions) {
      events.push({
        pcr: TPM2_PCR_KERNEL_INITRD,
        data: utf16WithNul(inputs.loadOptions),
        eventType: "EV_EVENT_TAG",
        eventTag: EVENT_TAG.linuxLoadOptions,
        description: "LOADED_IMAGE::LoadOptions",
      });
    }
    if (inputs.initrd)
      events.push({
        pcr: TPM2_PCR_KERNEL_INITRD,
        data: inputs.initrd,
        eventType: "EV_EVENT_TAG",
        eventTag: EVENT_TAG.linuxInitrd,
        description: "Linux initrd",
      });
    return events;
  }

  // Row 2: the stub, as soon as it has picked the profile.
  const profile = inputs.profile ?? 0;
  if (profile !== 0) {
    const text = String(profile);
    events.push({ pcr: TPM2_PCR_KERNEL_CONFIG, data: utf16WithNul(text), eventType: "EV_EVENT_TAG", eventTag: EVENT_TAG.profile, description: text });
  }
  events.push(...pcr11Events(inputs.sections ?? [])); // row 3
  ipl(TPM2_PCR_KERNEL_CONFIG, inputs.customCmdline); // row 4
  // The firmware, as the stub loads each add-on.
  for (const a of inputs.addonImages ?? []) loaded(a);
  ipl(TPM2_PCR_KERNEL_CONFIG, inputs.addonCmdline); // row 5
  ipl(TPM2_PCR_KERNEL_CONFIG, inputs.smbiosCmdlineExtra); // row 6
  // Row 7 (add-on devicetrees) never applies: kexec cannot pass a devicetree, and the stub measures an
  // add-on DT only after installing it (docs/entries.md §5).
  archive(TPM2_PCR_KERNEL_CONFIG, inputs.credentials, "Credentials initrd"); // row 8
  archive(TPM2_PCR_KERNEL_CONFIG, inputs.globalCredentials, "Global credentials initrd");
  archive(TPM2_PCR_SYSEXTS, inputs.sysext, "System extension initrd"); // row 9
  archive(TPM2_PCR_SYSEXTS, inputs.globalSysext, "Global system extension initrd");
  archive(TPM2_PCR_KERNEL_CONFIG, inputs.confext, "Configuration extension initrd"); // row 10
  archive(TPM2_PCR_KERNEL_CONFIG, inputs.globalConfext, "Global configuration extension initrd");
  tagged([...(inputs.addonUcode ?? [])].reverse(), EVENT_TAG.ucodeAddon); // row 11: reverse load order
  tagged(inputs.addonInitrds, EVENT_TAG.initrdAddon); // row 12
  return events;
}

/** The bytes an event's digest is taken of. @throws Error for a loaded image, which is extended with its Authenticode digest instead */
export async function resolveMeasuredBytes(data: MeasuredData): Promise<Uint8Array> {
  if (isPeImageDigest(data)) throw new Error("Internal error: a loaded image is measured by its Authenticode digest, not by its bytes");
  if (typeof data === "function") return await data();
  if (data instanceof Uint8Array) return data;
  const parts: Uint8Array[] = [];
  for await (const c of data.chunks()) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}
