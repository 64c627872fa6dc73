/**
 * Discovery of boot entries on a mounted ESP and optional XBOOTLDR (docs/entries.md §1, docs/entries.md §5, docs/order-and-default.md §2):
 * UKIs in `\EFI\Linux`, entry files in `\loader\entries`, loader.conf from the ESP; sorted, with
 * unique titles. A bad file is a problem, not a failure: the rest still lists.
 */
import { mangleCmdline } from "../cmdline/mangle.ts";
import { FormatError } from "../errors.ts";
import { NOT_COUNTED, type BootAddon, type BootEntry, type CompanionFile, type EntryFile, type EntrySource, type UkiImageRef } from "../model/boot-entry.ts";
import { scanCompanions } from "./companion-scan.ts";
import { DEFAULT_LOADER_CONFIG, type LoaderConfig } from "../model/loader-config.ts";
import type { Problem } from "../model/problem.ts";
import { efiArchOfNodeArch, type EfiArch } from "../pe/efi-arch.ts";
import { isLinuxKernelImage } from "../pe/linux-kernel.ts";
import { classifyPe, effectiveSections, isNativeImage, profileCount } from "../pe/uki.ts";
import { readPeHeaders, readSection } from "../pe/read-pe.ts";
import { decodeSectionText } from "../pe/section-text.ts";
import { TEXT_SECTION_MAX } from "../pe/uki-sections.ts";
import type { ReadOnlyFs } from "../ports/fs.ts";
import { CachingFs } from "./caching-fs.ts";
import { applicableAddons, GLOBAL_ADDON_DIR, scanAddons, type LoadedAddon } from "./addons.ts";
import { malformedCounter, parseBootCounter, stripCounterFromPath } from "./boot-counter-name.ts";
import { sortBootEntries } from "./entry-order.ts";
import { parseLoaderConf } from "./loader-conf.ts";
import { filterEntryNames, hostPath, resolveLoaderPath } from "./partition-files.ts";
import { describeFailure } from "./problems.ts";
import { uniqueTitles } from "./titles.ts";
import { resolveEntryExtras } from "./entry-extras.ts";
import { parseType1Entry } from "./type1-entry.ts";
import { readUkiEntries, TYPE2_DIR, TYPE2_SUFFIX, type UkiScanContext } from "./uki-entries.ts";
import { toImageRef } from "./image-ref.ts";
import { resolveUkiUrl } from "../net/uki-url.ts";

export const TYPE1_DIR = "\\loader\\entries";
export const TYPE1_SUFFIX = ".conf";
export const LOADER_CONF = "\\loader\\loader.conf";
/** Entry files and loader.conf are a few hundred bytes; anything larger than this is not one. */
export const CONFIG_FILE_MAX = 1024 * 1024;

export interface DiscoverOptions {
  /** Host mount path of the ESP. */
  esp: string;
  /** Host mount path of the XBOOTLDR partition on the same disk, if there is one. */
  xbootldr?: string;
  /** The native EFI architecture; default: that of the running process. */
  arch?: EfiArch;
  /**
   * The URL the boot loader came from (LoaderDeviceURL, or ukiboot.url=), against which a relative
   * `uki-url :name.efi` is resolved (docs/network.md §1).
   */
  urlOrigin?: string;
}

export interface Discovery {
  /** Sorted (docs/order-and-default.md §2), titles made unique (docs/entries.md §7). */
  entries: BootEntry[];
  /** loader.conf of the ESP, or the defaults. */
  config: LoaderConfig;
  /** Host path of loader.conf when it was read. */
  loaderConfPath?: string;
  problems: Problem[];
}

/**
 * Finds every entry on the ESP and XBOOTLDR, in the scan order of docs/entries.md §2 (ESP UKIs, ESP entry files,
 * XBOOTLDR UKIs, XBOOTLDR entry files), then sorts them stably and makes their titles unique.
 * Never throws for bad input: unreadable or malformed files become problems.
 * @example const { entries, problems } = await discoverEntries(new NodeFs(), { esp: "/efi", xbootldr: "/boot" })
 */
export async function discoverEntries(uncached: ReadOnlyFs, opts: DiscoverOptions): Promise<Discovery> {
  // Lookups repeat (case-insensitive resolution, add-on directories) and UKI reads are small and adjacent.
  const fs = new CachingFs(uncached);
  const arch = opts.arch ?? efiArchOfNodeArch(process.arch) ?? "x64";
  const problems: Problem[] = [];
  const globalAddonCache = new Map<string, Promise<LoadedAddon[]>>();
  const ctx: UkiScanContext = {
    fs,
    arch,
    problems,
    globalAddons(root) {
      let p = globalAddonCache.get(root);
      if (!p) {
        p = scanAddons(fs, { root, dirLoaderPath: GLOBAL_ADDON_DIR, scope: "global", arch, problems });
        globalAddonCache.set(root, p);
      }
      return p;
    },
  };

  const out: Discovery = { entries: [], config: { ...DEFAULT_LOADER_CONFIG, other: {} }, problems };
  await readLoaderConf(fs, opts.esp, out);

  const found: BootEntry[] = [];
  const partitions: [EntrySource, string][] = [["esp", opts.esp]];
  if (opts.xbootldr !== undefined) partitions.push(["xbootldr", opts.xbootldr]);
  for (const [source, root] of partitions) {
    const ukis = await listEntryDir(fs, root, TYPE2_DIR, TYPE2_SUFFIX, problems);
    for (const name of ukis.files) {
      const path = hostPath(ukis.dir, [name]);
      found.push(...(await readUkiEntries(ctx, { root, source, dirLoaderPath: TYPE2_DIR, fileName: name, path })));
    }
    const confs = await listEntryDir(fs, root, TYPE1_DIR, TYPE1_SUFFIX, problems);
    for (const name of confs.files) {
      const e = await readType1Entry(ctx, { root, source, fileName: name, path: hostPath(confs.dir, [name]) }, opts.urlOrigin);
      if (e) found.push(e);
    }
  }

  const sorted = sortBootEntries(withoutInterruptedRenames(found, problems));
  const titles = uniqueTitles(sorted);
  sorted.forEach((e, i) => (e.showTitle = titles[i]!));
  out.entries = sorted;
  out.problems = dedupeProblems(problems);
  return out;
}

/**
 * The entry in `entry`'s own file, read again with the same code as discoverEntries, without listing anything
 * else: the load path asks it once the file is sealed (docs/trust.md §4). undefined when the file no longer
 * holds an entry of that id. Titles are left as the file gives them (not made unique against the others).
 */
export async function rediscoverEntry(
  uncached: ReadOnlyFs,
  entry: BootEntry,
  opts: { arch?: EfiArch; urlOrigin?: string } = {},
): Promise<BootEntry | undefined> {
  const fs = new CachingFs(uncached);
  const arch = opts.arch ?? efiArchOfNodeArch(process.arch) ?? "x64";
  const problems: Problem[] = [];
  const ctx: UkiScanContext = {
    fs,
    arch,
    problems,
    globalAddons: (root) => scanAddons(fs, { root, dirLoaderPath: GLOBAL_ADDON_DIR, scope: "global", arch, problems }),
  };
  const file = { root: entry.root, source: entry.source, fileName: entry.fileName, path: entry.path };
  const found = entry.path.toLowerCase().endsWith(TYPE1_SUFFIX)
    ? [await readType1Entry(ctx, file, opts.urlOrigin)]
    : await readUkiEntries(ctx, { ...file, dirLoaderPath: TYPE2_DIR });
  return found.find((e) => e?.id === entry.id);
}

/**
 * One entry under two boot-counter names (`x+3.efi` and `x+2-1.efi` in one directory): a counter rename was
 * cut short, by power loss between FAT's new directory entry and the removal of the old one (docs/efi-variables.md
 * §5). Counters only ever go down, so the name with fewer tries left is the later state: keep it, drop the
 * other with a problem that says what to do. Neither try is lost and none is invented.
 */
function withoutInterruptedRenames(entries: BootEntry[], problems: Problem[]): BootEntry[] {
  const byId = new Map<string, BootEntry[]>();
  for (const e of entries) {
    if (e.triesLeft < 0) continue;
    const key = `${e.path.slice(0, e.path.length - e.fileName.length)}\0${e.id}`;
    byId.set(key, [...(byId.get(key) ?? []), e]);
  }
  const dropped = new Set<BootEntry>();
  for (const same of byId.values()) {
    if (new Set(same.map((e) => e.fileName)).size < 2) continue;
    const later = [...same].sort((a, b) => a.triesLeft - b.triesLeft || b.triesDone - a.triesDone)[0]!;
    for (const e of same) {
      if (e.fileName === later.fileName) continue;
      dropped.add(e);
      problems.push({
        file: e.path,
        severity: "error",
        message: `Ignoring "${e.fileName}": "${later.fileName}" is the same entry with fewer tries left, so a boot-counter rename was interrupted. Check the ESP with fsck.fat, then remove "${e.fileName}"`,
      });
    }
  }
  return dropped.size === 0 ? entries : entries.filter((e) => !dropped.has(e));
}

async function readLoaderConf(fs: ReadOnlyFs, esp: string, out: Discovery): Promise<void> {
  const f = await resolveLoaderPath(fs, esp, LOADER_CONF);
  if (!f) return;
  try {
    const text = await readConfigText(fs, f.path, f.stat.kind, f.stat.size, "loader.conf");
    const parsed = parseLoaderConf(text, { source: f.path });
    out.config = parsed.config;
    out.loaderConfPath = f.path;
    out.problems.push(...parsed.problems);
  } catch (e) {
    out.problems.push({ file: f.path, message: describeFailure("read loader.conf", f.path, e), severity: "error" });
  }
}

/** Reads a small text file strictly as UTF-8 (systemd-boot converts it to UTF-16 and stops at a NUL). */
async function readConfigText(fs: ReadOnlyFs, path: string, kind: string, size: number, format: "loader.conf" | "bls"): Promise<string> {
  if (kind !== "file") throw new FormatError(format, path, `Cannot read "${path}": it is not a regular file`);
  if (size > CONFIG_FILE_MAX) throw new FormatError(format, path, `Cannot read "${path}": it is ${size} bytes, more than ${CONFIG_FILE_MAX}`);
  const bytes = await fs.readFile(path);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new FormatError(format, path, `Cannot read "${path}": it is not valid UTF-8`, { cause });
  }
}

/** Entry file names of one directory, filtered (docs/entries.md §2) and in byte order. */
async function listEntryDir(
  fs: ReadOnlyFs,
  root: string,
  dirLoaderPath: string,
  suffix: string,
  problems: Problem[],
): Promise<{ dir: string; files: string[] }> {
  const dir = await resolveLoaderPath(fs, root, dirLoaderPath);
  if (dir?.stat.kind !== "dir") return { dir: "", files: [] };
  try {
    const scan = filterEntryNames(await fs.readDir(dir.path), suffix);
    for (const n of scan.notFiles) {
      problems.push({
        file: hostPath(dir.path, [n.name]),
        message: `Ignoring "${n.name}": it is ${n.kind === "dir" ? "a directory" : "not a regular file"}`,
        severity: "warning",
      });
    }
    return { dir: dir.path, files: scan.files };
  } catch (e) {
    problems.push({ file: dir.path, message: describeFailure("list directory", dir.path, e), severity: "error" });
    return { dir: dir.path, files: [] };
  }
}

async function readType1Entry(
  ctx: UkiScanContext,
  file: { root: string; source: EntrySource; fileName: string; path: string },
  urlOrigin?: string,
): Promise<BootEntry | undefined> {
  const { fs, problems } = ctx;
  const drop = (message: string, line?: number) => {
    problems.push({ file: file.path, ...(line === undefined ? {} : { line }), message, severity: "error" });
    return undefined;
  };
  let text: string;
  try {
    const st = await fs.stat(file.path);
    text = await readConfigText(fs, file.path, st?.kind ?? "missing", st?.size ?? 0, "bls");
  } catch (e) {
    return drop(describeFailure("read entry", file.path, e));
  }
  const parsed = parseType1Entry(text, { source: file.path, arch: ctx.arch });
  problems.push(...parsed.problems);
  const t = parsed.entry;
  if (!t) return undefined;

  const counter = parseBootCounter(file.fileName, TYPE1_SUFFIX);
  const malformed = malformedCounter(file.fileName, TYPE1_SUFFIX);
  if (malformed !== undefined) {
    problems.push({
      file: file.path,
      message: `Not counting boots of "${file.fileName}": "${malformed}" is not a boot counter (+LEFT or +LEFT-DONE, digits only, right before ${TYPE1_SUFFIX}); the entry is listed under its whole name`,
      severity: "warning",
    });
  }
  // What every kind of entry file lists the same way: its names, order keys, place and options.
  const id = counter.stripped.toLowerCase();
  const listed = {
    id,
    ...(t.title !== undefined ? { title: t.title } : {}),
    showTitle: t.title ?? id,
    ...(t.version !== undefined ? { version: t.version } : {}),
    ...(t.sortKey !== undefined ? { sortKey: t.sortKey } : {}),
    ...(t.machineId !== undefined ? { machineId: t.machineId } : {}),
    source: file.source,
    root: file.root,
    dir: TYPE1_DIR,
    fileName: file.fileName,
    path: file.path,
    loaderPath: `${TYPE1_DIR}\\${file.fileName}`,
    options: t.options,
  };
  if (t.loader === "uki-url") {
    const resolved = resolveUkiUrl(t.url ?? "", urlOrigin === undefined ? {} : { origin: urlOrigin });
    // Without a usable URL systemd-boot hides the entry, and so does ukiboot (docs/network.md §1).
    if ("error" in resolved) return drop(`Cannot use entry: its uki-url cannot be used: ${resolved.error}`);
    // A network entry is not counted: there is no file of it to rename (docs/network.md §5).
    const profile = t.profile !== undefined ? { profile: t.profile } : {};
    return {
      ...listed,
      kind: "uki-url",
      foundIn: "entry-file",
      ukiUrl: t.url ?? "",
      url: resolved.url,
      ...profile,
      triesLeft: NOT_COUNTED,
      triesDone: NOT_COUNTED,
    };
  }
  // The loader file must exist on the entry's own partition, or systemd-boot hides the entry (docs/entries.md §6).
  const target = await resolveLoaderPath(fs, file.root, t.loaderPath);
  if (target?.stat.kind !== "file") {
    return drop(`Cannot use entry: its ${t.loader} file "${t.loaderPath}" does not exist on ${file.source === "esp" ? "the ESP" : "XBOOTLDR"}`);
  }
  const targetFile: EntryFile = { path: target.path, loaderPath: t.loaderPath };
  const base = {
    ...listed,
    triesLeft: counter.triesLeft,
    triesDone: counter.triesDone,
    ...(counter.next !== undefined ? { nextFileName: counter.next } : {}),
    ...(t.architecture !== undefined ? { architecture: t.architecture } : {}),
  };
  if (t.devicetree !== undefined) {
    const r = await resolveLoaderPath(fs, file.root, t.devicetree);
    Object.assign(base, { devicetree: { path: r?.path ?? hostPath(file.root, t.devicetree.split("\\").filter(Boolean)), loaderPath: t.devicetree } });
  }

  if (t.loader === "linux") {
    const initrds: EntryFile[] = [];
    for (const i of t.initrds) {
      const r = await resolveLoaderPath(fs, file.root, i);
      // A missing initrd makes the boot fail but does not hide the entry (docs/entries.md §6).
      if (!r) problems.push({ file: file.path, message: `Missing initrd "${i}": booting this entry will fail`, severity: "warning" });
      initrds.push({ path: r?.path ?? hostPath(file.root, i.split("\\").filter(Boolean)), loaderPath: i });
    }
    return { ...base, kind: "type1-linux", linux: targetFile, initrds };
  }
  try {
    const found = await readTargetImage(ctx, t.loader, file, targetFile, target.stat.size, t.profile ?? 0);
    if (found && "refused" in found) return drop(found.refused, found.onProfileLine ? t.profileLine : undefined);
    if (t.loader === "efi") return { ...base, kind: "type1-efi", efi: targetFile, ...(found ?? {}) };
    if (!found) return drop(`Cannot use entry: "${t.loaderPath}" is not a UKI`);
    const extras = await resolveEntryExtras(fs, file, t.extras, problems);
    return { ...base, kind: "type1-uki", uki: targetFile, ...found, ...(t.profile !== undefined ? { profile: t.profile } : {}), extras };
  } catch (e) {
    return drop(describeFailure(`use the ${t.loader} target of entry`, target.path, e));
  }
}

/**
 * For `efi` and `uki` entries: reads the target's headers. A UKI target is booted with the stub rules (its
 * sections and add-ons are returned); an `efi` target may also be a bare EFI-stub kernel (undefined).
 * Returns why the entry must be hidden as `refused`, and whether the `profile` line is the one to name.
 */
async function readTargetImage(
  ctx: UkiScanContext,
  loader: "efi" | "uki",
  entryFile: { root: string; path: string },
  target: EntryFile,
  size: number,
  profile: number,
): Promise<{ image: UkiImageRef; addons: BootAddon[]; companions: CompanionFile[] } | undefined | { refused: string; onProfileLine?: true }> {
  const { pe, headerBytes } = await readPeHeaders(ctx.fs, target.path, size);
  if (!isNativeImage(pe, ctx.arch))
    return { refused: `Cannot use entry: "${target.loaderPath}" has machine type 0x${pe.machine.toString(16)}, not the native ${ctx.arch}` };
  if (classifyPe(pe) !== "uki") {
    if (loader === "efi" && isLinuxKernelImage(headerBytes)) return undefined;
    return {
      refused:
        loader === "uki"
          ? `Cannot use entry: "${target.loaderPath}" is not a UKI`
          : `Cannot use entry: "${target.loaderPath}" is neither a UKI nor a Linux kernel, and kexec cannot start other EFI programs`,
    };
  }
  const count = profileCount(pe);
  if (profile >= count)
    return {
      refused: `Cannot use entry: "${target.loaderPath}" has no profile ${profile} (it has ${count === 1 ? "only profile 0" : `profiles 0 to ${count - 1}`})`,
      onProfileLine: true,
    };
  const eff = effectiveSections(pe, profile);
  const image = toImageRef(target, pe, eff, profile, count);
  const unameSection = eff.byName[".uname"];
  if (unameSection) {
    const bytes = await readSection(ctx.fs, pe, unameSection, { contents: "file", max: TEXT_SECTION_MAX });
    image.uname = decodeSectionText(bytes, { source: target.path, section: ".uname", offset: unameSection.fileOffset });
  }
  const cmdlineSection = eff.byName[".cmdline"];
  if (cmdlineSection) image.cmdline = mangleCmdline(await readSection(ctx.fs, pe, cmdlineSection, { contents: "file", max: TEXT_SECTION_MAX }));
  // Add-ons come from the UKI's partition: global, then `<uki without counter>.extra.d` (docs/initrd.md §2).
  const root = entryFile.root;
  const local = await scanAddons(ctx.fs, {
    root,
    dirLoaderPath: `${stripCounterFromPath(target.loaderPath)}.extra.d`,
    scope: "local",
    arch: ctx.arch,
    problems: ctx.problems,
  });
  const { addons, mismatched } = applicableAddons([...(await ctx.globalAddons(root)), ...local], image.uname);
  for (const m of mismatched) {
    ctx.problems.push({
      file: m.addon.path,
      message: `Ignoring add-on "${m.addon.path}" for entry "${entryFile.path}": its .uname "${m.addon.uname ?? ""}" does not match "${image.uname}"`,
      severity: "warning",
    });
  }
  return { image, addons, companions: await scanCompanions(ctx.fs, root, target.loaderPath) };
}

/** The same problem can be found once per profile; report it once. */
function dedupeProblems(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.file}\0${p.line ?? ""}\0${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
