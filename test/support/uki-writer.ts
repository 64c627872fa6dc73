/**
 * UKIs, add-ons and plain EFI programs written in TypeScript, laid out as ukify lays them out: a stand-in
 * stub's own sections, then the UKI sections in ukify's order, then each joined profile from its `.profile`
 * on. The unit suite builds its images here so that it needs nothing but Bun;
 * test/integration/uki-writer.test.ts checks that ukiboot reads them as it reads ukify's output from the
 * same inputs.
 */
import { MACHINE_BY_ARCH, type EfiArch } from "../../src/pe/efi-arch.ts";

export interface SectionSpec {
  name: string;
  data: Uint8Array | string;
  /** Defaults to the data's length; 0 makes a section that masks the base one (docs/entries.md §5). */
  virtualSize?: number;
}

export interface PeSpec {
  arch?: EfiArch;
  sections: SectionSpec[];
}

/** What ukify takes: text sections as strings, binary ones as bytes. */
export interface UkiParts {
  osRelease?: string;
  cmdline?: string;
  uname?: string;
  initrd?: Uint8Array | string;
  ucode?: Uint8Array | string;
  splash?: Uint8Array;
  dtb?: Uint8Array;
  /** This profile's `.profile` text, e.g. "ID=reset\nTITLE=Factory reset". */
  profile?: string;
  /** Further sections (`ukify --section NAME:TEXT`), in order; a name may repeat. */
  sections?: [string, Uint8Array | string][];
}

export interface UkiSpec extends UkiParts {
  /** The `.linux` payload. */
  linux: Uint8Array;
  /** Joined profiles (`ukify --join-profile`), as profiles 1, 2, … when the base has a `.profile`. */
  profiles?: UkiParts[];
  arch?: EfiArch;
}

export interface AddonSpec extends UkiParts {
  arch?: EfiArch;
}

const FILE_ALIGNMENT = 0x200;
const SECTION_ALIGNMENT = 0x1000;
const PE_OFFSET = 0x80;
const OPTIONAL_HEADER_SIZE = 112 + 16 * 8;
const EFI_APPLICATION = 10;

const align = (n: number, to: number) => Math.ceil(n / to) * to;
const bytesOf = (d: Uint8Array | string) => (typeof d === "string" ? new TextEncoder().encode(d) : d);

/**
 * The stand-in stub: code as large as systemd-stub 257's (66 KiB, so that a reader that takes the first 64 KiB
 * of a file meets the same layout as with the real stub), and the stub's SBAT lines.
 */
export const STAND_IN_STUB_SECTIONS: SectionSpec[] = [
  { name: ".text", data: new Uint8Array(0x1080e).fill(0xcc).fill(0xc3, 0, 1) },
  {
    name: ".sbat",
    data: "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\nsystemd-stub,1,The systemd Developers,systemd,257,https://systemd.io/\n",
  },
];

/** A PE32+ EFI application with these sections, file offsets aligned to 0x200 and addresses to 0x1000. */
export function writePe(spec: PeSpec): Uint8Array {
  const sections = spec.sections.map((s) => ({ ...s, bytes: bytesOf(s.data) }));
  const tableAt = PE_OFFSET + 24 + OPTIONAL_HEADER_SIZE;
  const sizeOfHeaders = align(tableAt + sections.length * 40, FILE_ALIGNMENT);
  let fileAt = sizeOfHeaders;
  let rva = SECTION_ALIGNMENT;
  const placed = sections.map((s) => {
    const p = { ...s, fileOffset: fileAt, rawSize: align(s.bytes.length, FILE_ALIGNMENT), rva, virtualSize: s.virtualSize ?? s.bytes.length };
    fileAt += p.rawSize;
    rva += align(Math.max(p.virtualSize, 1), SECTION_ALIGNMENT);
    return p;
  });
  const out = new Uint8Array(fileAt);
  const v = new DataView(out.buffer);
  out.set([0x4d, 0x5a], 0); // "MZ"
  v.setUint32(0x3c, PE_OFFSET, true); // e_lfanew
  out.set([0x50, 0x45, 0, 0], PE_OFFSET); // "PE\0\0"
  const coff = PE_OFFSET + 4;
  v.setUint16(coff, MACHINE_BY_ARCH[spec.arch ?? "x64"], true);
  v.setUint16(coff + 2, placed.length, true);
  v.setUint16(coff + 16, OPTIONAL_HEADER_SIZE, true);
  v.setUint16(coff + 18, 0x0022, true); // executable, large-address aware
  const opt = coff + 20;
  v.setUint16(opt, 0x20b, true); // PE32+
  const text = placed.find((s) => s.name === ".text");
  v.setUint32(opt + 16, text?.rva ?? 0, true); // AddressOfEntryPoint
  v.setUint32(opt + 32, SECTION_ALIGNMENT, true);
  v.setUint32(opt + 36, FILE_ALIGNMENT, true);
  v.setUint32(opt + 56, rva, true); // SizeOfImage
  v.setUint32(opt + 60, sizeOfHeaders, true);
  v.setUint16(opt + 68, EFI_APPLICATION, true);
  v.setUint32(opt + 108, 16, true); // NumberOfRvaAndSizes
  placed.forEach((s, i) => {
    const e = tableAt + i * 40;
    out.set(new TextEncoder().encode(s.name).subarray(0, 8), e);
    v.setUint32(e + 8, s.virtualSize, true);
    v.setUint32(e + 12, s.rva, true);
    v.setUint32(e + 16, s.rawSize, true);
    v.setUint32(e + 20, s.fileOffset, true);
    v.setUint32(e + 36, s.name === ".text" ? 0x60000020 : 0x40000040, true); // code or initialized data, readable
    out.set(s.bytes, s.fileOffset);
  });
  return out;
}

/**
 * Sections in ukify's order: text first, then `.linux` (in a UKI), `.initrd` and `.ucode`. The base's
 * `.profile` comes last, so that every profile finds `.linux` in the base; a joined profile starts with its own.
 */
function partSections(p: UkiParts, where: { linux?: Uint8Array; joined?: boolean }): SectionSpec[] {
  const out: SectionSpec[] = [];
  const add = (name: string, data: Uint8Array | string | undefined) => {
    if (data !== undefined) out.push({ name, data });
  };
  if (where.joined) add(".profile", p.profile);
  add(".osrel", p.osRelease);
  add(".cmdline", p.cmdline);
  add(".dtb", p.dtb);
  add(".uname", p.uname);
  add(".splash", p.splash);
  for (const [name, data] of p.sections ?? []) add(name, data);
  add(".linux", where.linux);
  add(".initrd", p.initrd);
  add(".ucode", p.ucode);
  if (!where.joined) add(".profile", p.profile);
  return out;
}

/** A UKI: the stand-in stub, the base's sections with `.linux`, then each joined profile. */
export function writeUki(spec: UkiSpec): Uint8Array {
  const sections = [
    ...STAND_IN_STUB_SECTIONS,
    ...partSections(spec, { linux: spec.linux }),
    ...(spec.profiles ?? []).flatMap((p) => partSections(p, { joined: true })),
  ];
  return writePe({ arch: spec.arch, sections });
}

/** An add-on: the stand-in stub and the add-on's sections, no `.linux`. */
export function writeAddon(spec: AddonSpec): Uint8Array {
  return writePe({ arch: spec.arch, sections: [...STAND_IN_STUB_SECTIONS, ...partSections(spec, {})] });
}

/** Deterministic bytes that are not a kernel: a UKI's `.linux` for tests that never start it. */
export function fakeKernel(size: number): Uint8Array {
  const out = new Uint8Array(size);
  const text = new TextEncoder().encode("ukiboot fake kernel for listing tests\n");
  for (let i = 0; i < size; i++) out[i] = text[i % text.length]!;
  return out;
}
