/**
 * UKI add-ons (`*.addon.efi`, docs/initrd.md §1-11.2): global ones in `\loader\addons\` and a
 * UKI's own in `<uki without counter>.extra.d\`, on the UKI's partition. Reads headers and the small
 * `.cmdline`/`.uname` sections only.
 */
import { mangleCmdline } from "../cmdline/mangle.ts";
import { FormatError } from "../errors.ts";
import type { BootAddon } from "../model/boot-entry.ts";
import type { Problem } from "../model/problem.ts";
import type { EfiArch } from "../pe/efi-arch.ts";
import { readPeHeaders, readSection } from "../pe/read-pe.ts";
import { decodeSectionText } from "../pe/section-text.ts";
import { addonDefect, addonUnameMatches, firstMatchSections } from "../pe/uki.ts";
import { TEXT_SECTION_MAX } from "../pe/uki-sections.ts";
import type { ReadOnlyFs } from "../ports/fs.ts";
import { toImageRef } from "./image-ref.ts";
import { filterCompanionNames, hostPath, resolveLoaderPath } from "./partition-files.ts";
import { describeFailure } from "./problems.ts";

export const ADDON_SUFFIX = ".addon.efi";
export const GLOBAL_ADDON_DIR = "\\loader\\addons";

/** An add-on with the bytes its `.uname` check needs. */
export interface LoadedAddon {
  addon: BootAddon;
  /** C(.uname): VirtualSize bytes with zero fill, compared as the stub does. */
  unameContents?: Uint8Array;
}

/**
 * Loads the add-ons in the directory `dirLoaderPath` of the partition at `root`; a missing directory
 * has none. Add-ons the stub would refuse are reported and left out.
 */
export async function scanAddons(
  fs: ReadOnlyFs,
  opts: { root: string; dirLoaderPath: string; scope: BootAddon["scope"]; arch: EfiArch; problems: Problem[] },
): Promise<LoadedAddon[]> {
  const dir = await resolveLoaderPath(fs, opts.root, opts.dirLoaderPath);
  if (dir?.stat.kind !== "dir") return [];
  let list;
  try {
    list = await fs.readDir(dir.path);
  } catch (e) {
    opts.problems.push({ file: dir.path, message: describeFailure("list add-on directory", dir.path, e), severity: "error" });
    return [];
  }
  const scan = filterCompanionNames(list, ADDON_SUFFIX);
  for (const n of scan.notFiles) {
    opts.problems.push({ file: hostPath(dir.path, [n.name]), message: `Ignoring add-on "${n.name}": it is not a regular file`, severity: "warning" });
  }
  const out: LoadedAddon[] = [];
  for (const name of scan.files) {
    const path = hostPath(dir.path, [name]);
    try {
      out.push(await readAddon(fs, { path, loaderPath: `${opts.dirLoaderPath}\\${name}`, fileName: name, scope: opts.scope, arch: opts.arch }));
    } catch (e) {
      opts.problems.push({ file: path, message: describeFailure("use add-on", path, e), severity: "error" });
    }
  }
  return out;
}

/**
 * Reads one add-on: headers, `.cmdline` (mangled) and `.uname`.
 * @throws FormatError when it is not a valid native add-on
 */
export async function readAddon(
  fs: ReadOnlyFs,
  file: { path: string; loaderPath: string; fileName: string; scope: BootAddon["scope"]; arch: EfiArch },
): Promise<LoadedAddon> {
  const st = await fs.stat(file.path);
  if (st?.kind !== "file") throw new FormatError("addon", file.path, `Cannot use add-on "${file.path}": it is not a regular file`);
  const { pe } = await readPeHeaders(fs, file.path, st.size);
  const defect = addonDefect(pe, file.arch);
  if (defect) throw new FormatError("addon", file.path, `Cannot use add-on "${file.path}": ${defect}`);
  const eff = firstMatchSections(pe);
  const ref = toImageRef({ path: file.path, loaderPath: file.loaderPath }, pe, eff, 0, 1);
  const addon: BootAddon = { ...ref, scope: file.scope, fileName: file.fileName };
  const cmdline = eff.byName[".cmdline"];
  // The stub mangles the add-on command line leniently; it cannot make the add-on unusable.
  if (cmdline) addon.cmdline = mangleCmdline(await readSection(fs, pe, cmdline, { contents: "file", max: TEXT_SECTION_MAX }));
  const loaded: LoadedAddon = { addon };
  const uname = eff.byName[".uname"];
  if (uname) {
    loaded.unameContents = await readSection(fs, pe, uname, { contents: "memory", max: TEXT_SECTION_MAX });
    addon.uname = decodeSectionText(loaded.unameContents, { source: file.path, section: ".uname", offset: uname.fileOffset });
  }
  return loaded;
}

/**
 * The add-ons that apply to a UKI whose `.uname` is `ukiUname` (docs/initrd.md §2): all of them, except those
 * whose own `.uname` does not match when both have one.
 */
export function applicableAddons(addons: readonly LoadedAddon[], ukiUname: string | undefined): { addons: BootAddon[]; mismatched: LoadedAddon[] } {
  const ok: BootAddon[] = [];
  const mismatched: LoadedAddon[] = [];
  const uki = ukiUname === undefined ? undefined : new TextEncoder().encode(ukiUname);
  for (const a of addons) {
    if (uki && a.unameContents && !addonUnameMatches(uki, a.unameContents)) mismatched.push(a);
    else ok.push(a.addon);
  }
  return { addons: ok, mismatched };
}
