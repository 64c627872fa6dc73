/**
 * Type #2 entries: one UKI in `\EFI\Linux` gives one entry per profile (docs/entries.md §5), with
 * ids, titles, version and sort key from `.osrel` and `.profile`. Only the headers and the small text
 * sections are read.
 */
import { mangleCmdline } from "../cmdline/mangle.ts";
import { FormatError } from "../errors.ts";
import type { BootEntry, CompanionFile, EntrySource, UkiProfileEntry } from "../model/boot-entry.ts";
import type { Problem } from "../model/problem.ts";
import type { EfiArch } from "../pe/efi-arch.ts";
import type { PeImage, PeSection } from "../pe/pe.ts";
import { readPeHeaders, readSection } from "../pe/read-pe.ts";
import { decodeSectionText } from "../pe/section-text.ts";
import { classifyPe, effectiveSections, isNativeImage, profileCount } from "../pe/uki.ts";
import { TEXT_SECTION_MAX, type UkiSectionName } from "../pe/uki-sections.ts";
import type { ReadOnlyFs } from "../ports/fs.ts";
import { lastValues, parseKeyValueText } from "./key-value.ts";
import { applicableAddons, scanAddons, type LoadedAddon } from "./addons.ts";
import { scanCompanions } from "./companion-scan.ts";
import { parseBootCounter, stripCounterFromPath } from "./boot-counter-name.ts";
import { toImageRef } from "./image-ref.ts";
import { parseOsRelease, pickOsReleaseNames } from "./os-release.ts";
import { describeFailure } from "./problems.ts";

export const TYPE2_DIR = "\\EFI\\Linux";
export const TYPE2_SUFFIX = ".efi";

export interface UkiFile {
  root: string;
  source: EntrySource;
  /** `\EFI\Linux` (or another directory for Type #1 `uki`/`efi` targets). */
  dirLoaderPath: string;
  fileName: string;
  /** Host path of the file. */
  path: string;
}

export interface UkiScanContext {
  fs: ReadOnlyFs;
  arch: EfiArch;
  problems: Problem[];
  /** The global add-ons of the partition at `root` (loaded once per partition by the caller). */
  globalAddons(root: string): Promise<LoadedAddon[]>;
}

/** Reads text sections once each, by range, decoding them strictly. */
class SectionTexts {
  private cache = new Map<string, Promise<string>>();
  constructor(
    private fs: ReadOnlyFs,
    private pe: PeImage,
  ) {}
  get(s: PeSection | undefined, name: UkiSectionName): Promise<string> | undefined {
    if (!s) return undefined;
    const key = `${s.fileOffset}:${s.fileSize}`;
    let p = this.cache.get(key);
    if (!p) {
      p = readSection(this.fs, this.pe, s, { contents: "file", max: TEXT_SECTION_MAX }).then((b) =>
        decodeSectionText(b, { source: this.pe.source, section: name, offset: s.fileOffset }),
      );
      // A failed read is reported by the profile that needs it; do not leave it unhandled meanwhile.
      p.catch(() => {});
      this.cache.set(key, p);
    }
    return p;
  }
}

/** The PE headers of a native UKI, or undefined when the file is not one (reported, naming the file). */
async function openUki(ctx: UkiScanContext, file: UkiFile, report: (message: string) => void): Promise<PeImage | undefined> {
  let pe: PeImage;
  try {
    const st = await ctx.fs.stat(file.path);
    if (st?.kind !== "file") throw new FormatError("uki", file.path, `Cannot use UKI "${file.path}": it is not a regular file`);
    pe = (await readPeHeaders(ctx.fs, file.path, st.size)).pe;
  } catch (e) {
    report(describeFailure("read UKI", file.path, e));
    return undefined;
  }
  if (!isNativeImage(pe, ctx.arch)) {
    report(`Ignoring UKI "${file.path}": its machine type 0x${pe.machine.toString(16)} is not the native ${ctx.arch}`);
    return undefined;
  }
  const kind = classifyPe(pe);
  if (kind !== "uki") {
    report(`Ignoring "${file.path}": it has no .linux section, so it is ${kind === "addon" ? "an add-on" : "not a UKI"}`);
    return undefined;
  }
  return pe;
}

/**
 * The entries of one UKI, profile by profile. Profiles without `.osrel` or without a name in it are
 * skipped, as systemd-boot does; a file that is not a native UKI is reported and gives no entries.
 */
export async function readUkiEntries(ctx: UkiScanContext, file: UkiFile): Promise<BootEntry[]> {
  const { fs, problems } = ctx;
  const report = (message: string, severity: Problem["severity"] = "error") => problems.push({ file: file.path, message, severity });
  const pe = await openUki(ctx, file, report);
  if (!pe) return [];

  const counter = parseBootCounter(file.fileName, TYPE2_SUFFIX);
  // Newer systemd strips the counter before building ids; 257 overwrote the profile ids (docs/entries.md §5).
  const base = counter.stripped.toLowerCase();
  const loaderPath = `${file.dirLoaderPath}\\${file.fileName}`;
  const texts = new SectionTexts(fs, pe);
  const count = profileCount(pe);
  let localAddons: Promise<LoadedAddon[]> | undefined;
  let companions: Promise<CompanionFile[]> | undefined;
  const entries: BootEntry[] = [];

  for (let k = 0; k < count; k++) {
    const eff = effectiveSections(pe, k);
    const what = count > 1 ? `profile ${k} of UKI "${file.path}"` : `UKI "${file.path}"`;
    try {
      const osrelText = await texts.get(eff.byName[".osrel"], ".osrel");
      if (osrelText === undefined) {
        report(`Ignoring ${what}: it has no .osrel section`);
        continue;
      }
      const names = pickOsReleaseNames(parseOsRelease(osrelText).fields);
      if (names.name === undefined) {
        report(`Ignoring ${what}: its .osrel has none of PRETTY_NAME, IMAGE_ID, NAME, ID`);
        continue;
      }
      const profileText = await texts.get(eff.byName[".profile"], ".profile");
      const profileFields = profileText === undefined ? undefined : lastValues(parseKeyValueText(profileText, "=").lines);
      const profileId = profileFields?.get("ID")?.value;
      const profileTitle = profileFields?.get("TITLE")?.value;
      const cmdline = await texts.get(eff.byName[".cmdline"], ".cmdline");
      const uname = await texts.get(eff.byName[".uname"], ".uname");

      const title = profileTitle !== undefined ? `${names.name} (${profileTitle})` : k > 0 ? `${names.name} (${profileId ?? `Profile #${k + 1}`})` : names.name;
      const image = toImageRef({ path: file.path, loaderPath }, pe, eff, k, count);
      if (uname !== undefined) image.uname = uname;
      const options = cmdline === undefined ? "" : mangleCmdline(cmdline);
      if (cmdline !== undefined) image.cmdline = options;
      companions ??= scanCompanions(fs, file.root, loaderPath);
      localAddons ??= scanAddons(fs, {
        root: file.root,
        // The stub looks for `<uki>.extra.d` with the boot counter removed from its path (docs/initrd.md §1).
        dirLoaderPath: `${stripCounterFromPath(loaderPath)}.extra.d`,
        scope: "local",
        arch: ctx.arch,
        problems,
      });
      const all = [...(await ctx.globalAddons(file.root)), ...(await localAddons)];
      const { addons, mismatched } = applicableAddons(all, uname);
      const entry: UkiProfileEntry = {
        id: k === 0 ? base : `${base}@${profileId !== undefined ? profileId.toLowerCase() : String(k)}`,
        title,
        showTitle: title,
        ...(names.version !== undefined ? { version: names.version } : {}),
        ...(names.sortKey !== undefined ? { sortKey: names.sortKey } : {}),
        kind: "type2",
        source: file.source,
        root: file.root,
        dir: file.dirLoaderPath,
        fileName: file.fileName,
        path: file.path,
        loaderPath,
        options,
        profile: k,
        ...(k > 0 ? { idWithoutProfile: base } : {}),
        triesLeft: counter.triesLeft,
        triesDone: counter.triesDone,
        ...(counter.next !== undefined ? { nextFileName: counter.next } : {}),
        image,
        addons,
        companions: await companions,
      };
      for (const m of mismatched) {
        problems.push({
          file: m.addon.path,
          message: `Ignoring add-on "${m.addon.path}" for ${what}: its .uname "${m.addon.uname ?? ""}" does not match "${uname}"`,
          severity: "warning",
        });
      }
      entries.push(entry);
    } catch (e) {
      report(describeFailure(count > 1 ? `use profile ${k} of UKI` : "use UKI", file.path, e));
    }
  }
  return entries;
}
