/**
 * `ukiboot inspect FILE --json`: what a PE file is (UKI, add-on, plain PE), its sections with sizes and
 * SHA-256, each profile's effective sections and metadata, and for an add-on what it contributes
 * (docs/entries.md §4, docs/entries.md §5, docs/initrd.md §2). Sections are read by range, one at a time.
 */
import { createHash } from "node:crypto";
import { mangleCmdline } from "../cmdline/mangle.ts";
import { FormatError } from "../errors.ts";
import { parseOsRelease, pickOsReleaseNames } from "../bls/os-release.ts";
import type { EfiArch } from "../pe/efi-arch.ts";
import type { PeImage, PeSection } from "../pe/pe.ts";
import { readPeHeaders, readSection } from "../pe/read-pe.ts";
import { decodeSectionText } from "../pe/section-text.ts";
import { addonDefect, classifyPe, effectiveSections, firstMatchSections, isNativeImage, profileCount, type EffectiveSections, type PeKind } from "../pe/uki.ts";
import { ADDON_PAYLOAD_SECTIONS, TEXT_SECTION_MAX, UKI_SECTIONS, type UkiSectionName } from "../pe/uki-sections.ts";
import type { ReadOnlyFs } from "../ports/fs.ts";
import { lastValues, parseKeyValueText } from "../bls/key-value.ts";
import { describeKernelFormat } from "./kernel-format.ts";
import { KERNEL_HEADER_BYTES } from "../kernel-image/kernel-image.ts";

export interface InspectedSection {
  index: number;
  name: string;
  fileOffset: number;
  virtualSize: number;
  sizeOfRawData: number;
  /** min(VirtualSize, SizeOfRawData). */
  fileSize: number;
  /** SHA-256 of C(s), the bytes the stub sees and measures (docs/entries.md §4), in hex. */
  sha256: string;
}

export interface InspectedProfile {
  profile: number;
  id?: string;
  title?: string;
  /** Effective, present sections in canonical order, by table index. */
  sections: { name: UkiSectionName; index: number }[];
  osRelease?: Record<string, string>;
  name?: string;
  version?: string;
  sortKey?: string;
  cmdline?: string;
  uname?: string;
  /** A problem with this profile's text sections. */
  error?: string;
}

export interface InspectReport {
  path: string;
  fileSize: number;
  kind: PeKind;
  machine: string;
  arch?: EfiArch;
  native: boolean;
  subsystem: number;
  sizeOfHeaders: number;
  signed: boolean;
  sections: InspectedSection[];
  /** UKIs: one per profile. */
  profiles?: InspectedProfile[];
  /** Add-ons: what it contributes, or why the stub would refuse it. */
  addon?: { usable: boolean; defect?: string; contributes: UkiSectionName[]; cmdline?: string; uname?: string };
  sbat?: string;
  /** UKIs: how profile 0's .linux is packed and what kexec makes of it (docs/kexec.md §10). */
  kernelFormat?: string;
}

const HASH_CHUNK = 1024 * 1024;

/** SHA-256 of C(s), reading the file part in 1 MiB ranges and hashing the zero fill without allocating it. */
async function hashSection(fs: ReadOnlyFs, pe: PeImage, s: PeSection): Promise<string> {
  const h = createHash("sha256");
  for (let done = 0; done < s.fileSize; ) {
    const n = Math.min(HASH_CHUNK, s.fileSize - done);
    const chunk = await fs.readRange(pe.source, s.fileOffset + done, n);
    if (chunk.length !== n)
      throw new FormatError("pe", pe.source, `Cannot read section "${s.name}" of "${pe.source}": the file ends inside it`, {
        offset: s.fileOffset + done + chunk.length,
      });
    h.update(chunk);
    done += n;
  }
  const zeros = new Uint8Array(Math.min(HASH_CHUNK, Math.max(0, s.virtualSize - s.fileSize)));
  for (let left = s.virtualSize - s.fileSize; left > 0; left -= zeros.length) h.update(left >= zeros.length ? zeros : zeros.subarray(0, left));
  return h.digest("hex");
}

async function text(fs: ReadOnlyFs, pe: PeImage, s: PeSection | undefined, name: UkiSectionName): Promise<string | undefined> {
  if (!s) return undefined;
  return decodeSectionText(await readSection(fs, pe, s, { contents: "file", max: TEXT_SECTION_MAX }), {
    source: pe.source,
    section: name,
    offset: s.fileOffset,
  });
}

function sectionList(eff: EffectiveSections): { name: UkiSectionName; index: number }[] {
  const out: { name: UkiSectionName; index: number }[] = [];
  for (const name of UKI_SECTIONS) {
    if (name === ".dtbauto" || name === ".efifw") for (const s of eff[name === ".dtbauto" ? "dtbauto" : "efifw"]) out.push({ name, index: s.index });
    else if (eff.byName[name]) out.push({ name, index: eff.byName[name]!.index });
  }
  return out;
}

/**
 * Inspects the PE file at `path`. `arch` is the native architecture for the add-on and UKI checks.
 * @throws FormatError when the headers cannot be parsed; fs errors when the file cannot be read
 */
export async function inspectPeFile(fs: ReadOnlyFs, path: string, opts: { arch: EfiArch }): Promise<InspectReport> {
  const st = await fs.stat(path);
  if (st?.kind !== "file") throw new FormatError("pe", path, `Cannot inspect "${path}": it is not a regular file`);
  const { pe } = await readPeHeaders(fs, path, st.size);
  const kind = classifyPe(pe);
  const report: InspectReport = {
    path,
    fileSize: pe.fileSize,
    kind,
    machine: `0x${pe.machine.toString(16).padStart(4, "0")}`,
    native: isNativeImage(pe, opts.arch),
    subsystem: pe.subsystem,
    sizeOfHeaders: pe.sizeOfHeaders,
    signed: (pe.certificateTable?.size ?? 0) > 0,
    sections: [],
  };
  if (pe.arch) report.arch = pe.arch;
  for (const s of pe.sections) {
    report.sections.push({
      index: s.index,
      name: s.name,
      fileOffset: s.fileOffset,
      virtualSize: s.virtualSize,
      sizeOfRawData: s.sizeOfRawData,
      fileSize: s.fileSize,
      sha256: await hashSection(fs, pe, s),
    });
  }
  const first = firstMatchSections(pe);
  try {
    const sbat = await text(fs, pe, first.byName[".sbat"], ".sbat");
    if (sbat !== undefined) report.sbat = sbat;
  } catch {
    // A broken .sbat is shown as absent; the hash above still identifies it.
  }
  if (kind === "uki") {
    const linux = effectiveSections(pe, 0).byName[".linux"];
    if (linux) {
      const header = await fs.readRange(path, linux.fileOffset, Math.min(KERNEL_HEADER_BYTES, linux.fileSize));
      report.kernelFormat = describeKernelFormat(header, linux.fileSize, pe.arch, `${path} (.linux)`);
    }
    report.profiles = [];
    for (let k = 0; k < profileCount(pe); k++) {
      const eff = effectiveSections(pe, k);
      const p: InspectedProfile = { profile: k, sections: sectionList(eff) };
      try {
        const prof = await text(fs, pe, eff.byName[".profile"], ".profile");
        if (prof !== undefined) {
          const f = lastValues(parseKeyValueText(prof, "=").lines);
          if (f.get("ID")) p.id = f.get("ID")!.value;
          if (f.get("TITLE")) p.title = f.get("TITLE")!.value;
        }
        const osrel = await text(fs, pe, eff.byName[".osrel"], ".osrel");
        if (osrel !== undefined) {
          const fields = parseOsRelease(osrel).fields;
          p.osRelease = Object.fromEntries(fields);
          Object.assign(p, pickOsReleaseNames(fields));
        }
        const cmdline = await text(fs, pe, eff.byName[".cmdline"], ".cmdline");
        if (cmdline !== undefined) p.cmdline = mangleCmdline(cmdline);
        const uname = await text(fs, pe, eff.byName[".uname"], ".uname");
        if (uname !== undefined) p.uname = uname;
      } catch (e) {
        p.error = e instanceof Error ? e.message : String(e);
      }
      report.profiles.push(p);
    }
  } else if (kind === "addon") {
    const defect = addonDefect(pe, opts.arch);
    const addon: NonNullable<InspectReport["addon"]> = {
      usable: defect === undefined,
      contributes: ADDON_PAYLOAD_SECTIONS.filter((n) => first.byName[n] !== undefined),
    };
    if (defect) addon.defect = defect;
    if (first.byName[".cmdline"])
      addon.cmdline = mangleCmdline(await readSection(fs, pe, first.byName[".cmdline"], { contents: "file", max: TEXT_SECTION_MAX }));
    try {
      const uname = await text(fs, pe, first.byName[".uname"], ".uname");
      if (uname !== undefined) addon.uname = uname;
    } catch (e) {
      addon.usable = false;
      addon.defect = e instanceof Error ? e.message : String(e);
    }
    report.addon = addon;
  }
  return report;
}
