/**
 * Builds the load plan of an entry: what systemd-boot + systemd-stub 262 would hand the kernel, as byte
 * sources (docs/command-line.md command line, docs/initrd.md companion files and initrd order, docs/kexec.md §1 kexec).
 * Reads only directory listings and file sizes; section contents stay ranges until the loader copies them.
 */
import { composeType1Cmdline, composeType2Cmdline, type ComposedCmdline } from "../cmdline/compose.ts";
import { checkCmdlineLength } from "../cmdline/kexec-cmdline.ts";
import { BootError } from "../errors.ts";
import { concatSources, type ByteSource, sourceSize, zerosSource } from "../bytes/byte-source.ts";
import { scanCompanions } from "../bls/companion-scan.ts";
import { describeTargetArchive, type CpioTargetName } from "../initrd/cpio-targets.ts";
import { describeEntryExtraArchives } from "../initrd/entry-extras-archive.ts";
import { layoutInitrd } from "../initrd/initrd-layout.ts";
import { planType1Initrd, planType2Initrd, type AddonInitrdPieces } from "../initrd/initrd-order.ts";
import type { BootAddon, BootEntry, CompanionFile, CompanionFileKind, EfiEntry, LinuxEntry, SectionRef, UkiImageRef } from "../model/boot-entry.ts";
import { bootImage, commandLineRule } from "../model/command-line-rule.ts";
import { addonsOf, ukiOf, type TrustState } from "../model/entry-rules.ts";
import type { UkiSectionName } from "../pe/uki-sections.ts";
import type { ReadOnlyFs } from "../ports/fs.ts";
import type { LoadPlan } from "./load-plan.ts";

export interface PlanOptions {
  /** A command line the person confirmed in the editor (menu `e`, or --cmdline). */
  editedCmdline?: string;
  /** Secure Boot, lockdown and the mode: with the image, they decide whether a custom line may replace .cmdline (docs/trust.md §5). */
  trust: TrustState;
  /** Kernel command-line limit; 2047 bytes on x86_64. */
  cmdlineLimit?: number;
}

/** C(s): the file bytes of a section, zero-filled to its VirtualSize (docs/entries.md §4). */
export function sectionContents(image: UkiImageRef, s: SectionRef): ByteSource {
  const range: ByteSource = { type: "range", path: image.path, offset: s.fileOffset, size: s.fileSize };
  return s.virtualSize > s.fileSize ? concatSources([range, zerosSource(s.virtualSize - s.fileSize)]) : range;
}

function section(image: UkiImageRef, name: UkiSectionName): ByteSource | null {
  const s = image.sections[name];
  return s ? sectionContents(image, s) : null;
}

/** The archive of one kind and scope, made only when at least one file matched (docs/initrd.md §4). */
async function archive(
  fs: ReadOnlyFs,
  files: readonly CompanionFile[],
  kind: CompanionFileKind,
  scope: CompanionFile["scope"],
  target: CpioTargetName,
): Promise<ByteSource | null> {
  const picked = files.filter((f) => f.kind === kind && f.scope === scope);
  if (picked.length === 0) return null;
  const members = [];
  for (const f of picked) members.push({ name: f.fileName, content: await fileSource(fs, f.path, `the ${kind} file "${f.fileName}" of the entry`) });
  return describeTargetArchive(target, members);
}

/** Devicetrees cannot be handed over by kexec_file_load; say so instead of dropping them silently. */
function devicetreeNotes(image: UkiImageRef, addons: readonly BootAddon[]): string[] {
  const notes: string[] = [];
  if (image.sections[".dtb"] || image.dtbauto.length > 0)
    notes.push(
      "the UKI's devicetree is measured but not applied: kexec_file_load cannot pass a devicetree, and on arm64 the next kernel gets the running one's, from either call (docs/kexec.md §11)",
    );
  for (const a of addons) {
    if (a.sections[".dtb"] || a.dtbauto.length > 0)
      notes.push(`the devicetree of add-on "${a.fileName}" is not applied (kexec_file_load cannot pass one) and not measured`);
  }
  return notes;
}

/** A UKI booted with the stub rules: Type #2, Type #1 `uki`, or a Type #1 `efi`/`linux` target that is a UKI. */
async function planUki(fs: ReadOnlyFs, entry: BootEntry, image: UkiImageRef, opts: PlanOptions): Promise<LoadPlan> {
  const addons = addonsOf(entry);
  const linux = image.sections[".linux"];
  if (!linux) throw new BootError(`Cannot boot "${image.path}": it has no .linux section`, "Rebuild the UKI with ukify, or choose another entry");
  // Asked of the image itself, whichever kind of entry named it: an `efi` entry's UKI is as signed as a Type #2 one.
  const rule = commandLineRule(bootImage(image), opts.trust);
  const composed = composeType2Cmdline({
    ukiCmdline: image.sections[".cmdline"] ? (entry.kind === "type2" ? entry.options : (image.cmdline ?? "")) : null,
    profile: image.profile,
    // systemd-boot passes a Type #2 entry's .cmdline only for show; other kinds pass their options.
    options: entry.kind === "type2" ? null : entry.options === "" ? null : entry.options,
    editedLine: opts.editedCmdline ?? null,
    imageLineWins: rule.imageLineWins ? rule.reason : null,
    addons: addons.map((a) => ({ name: a.fileName, scope: a.scope === "global" ? "global" : "uki", cmdline: a.cmdline ?? null })),
  });
  if (composed.profile !== image.profile) {
    throw new BootError(
      `Cannot boot "${entry.id}" with that command line: it starts with "@${composed.profile}", which selects another profile of the UKI`,
      `Choose the entry of profile @${composed.profile} in the menu instead, or remove the "@" prefix`,
    );
  }
  // Companion files live next to the UKI on its own partition, under its name without the boot counter; discovery
  // listed them (a fetched UKI's came with it from the network), and only an entry made without them is scanned here.
  const companions = "companions" in entry && entry.companions ? entry.companions : await scanCompanions(fs, entry.root, image.loaderPath);
  const addonPieces: AddonInitrdPieces[] = addons.map((a) => ({ name: a.fileName, ucode: section(a, ".ucode"), initrd: section(a, ".initrd") }));
  const members = planType2Initrd({
    origin: image.path,
    ucode: section(image, ".ucode"),
    initrd: section(image, ".initrd"),
    entryExtras:
      entry.kind === "type1-uki"
        ? describeEntryExtraArchives(
            await Promise.all(
              entry.extras.map(async (x) => ({
                kind: x.kind,
                fileName: x.fileName,
                content: await fileSource(fs, x.path, `the extra file "${x.fileName}" of "${entry.id}"`),
              })),
            ),
          )
        : {},
    credentials: await archive(fs, companions, "credentials", "local", "credentials"),
    globalCredentials: await archive(fs, companions, "credentials", "global", "globalCredentials"),
    sysext: await archive(fs, companions, "sysext", "local", "sysext"),
    globalSysext: await archive(fs, companions, "sysext", "global", "globalSysext"),
    confext: await archive(fs, companions, "confext", "local", "confext"),
    globalConfext: await archive(fs, companions, "confext", "global", "globalConfext"),
    pcrsig: section(image, ".pcrsig"),
    pcrpkey: section(image, ".pcrpkey"),
    osrel: section(image, ".osrel"),
    profile: section(image, ".profile"),
    addons: addonPieces,
  });
  return finish(entry, opts, {
    label: image.path,
    bootImage: { path: image.path, loaderPath: image.loaderPath, size: image.fileSize },
    // Exactly the file bytes of .linux, so an embedded Authenticode signature stays verifiable (docs/entries.md §4).
    kernel: { type: "range", path: image.path, offset: linux.fileOffset, size: linux.fileSize },
    initrd: layoutInitrd(members, { style: "type2" }),
    composed,
    notes: [...composed.notes, ...devicetreeNotes(image, addons)],
    uki: { image, addons: [...addons] },
  });
}

/** A Type #1 `linux` entry: the kernel file, its initrd files in order, options joined (docs/command-line.md §3, docs/initrd.md §3). */
async function planType1Linux(fs: ReadOnlyFs, entry: LinuxEntry, opts: PlanOptions): Promise<LoadPlan> {
  const linux = entry.linux;
  const kernel = await fileSource(fs, linux.path, `the kernel of "${entry.id}"`);
  const initrds = [];
  for (const f of entry.initrds) initrds.push({ path: f.path, source: await fileSource(fs, f.path, `an initrd of "${entry.id}"`) });
  const composed = composeType1Cmdline({
    kind: "linux",
    initrds: entry.initrds.map((f) => f.loaderPath),
    options: entry.options === "" ? null : entry.options,
    editedLine: opts.editedCmdline ?? null,
  });
  const started = { path: linux.path, loaderPath: linux.loaderPath, size: sourceSize(kernel) };
  return finish(entry, opts, {
    label: linux.path,
    bootImage: started,
    kernel,
    initrd: layoutInitrd(planType1Initrd(initrds), { style: "type1" }),
    composed,
    notes: [],
  });
}

/** A Type #1 `efi` entry whose target is a plain EFI-stub kernel: `options` become its command line. */
async function planType1Efi(fs: ReadOnlyFs, entry: EfiEntry, opts: PlanOptions): Promise<LoadPlan> {
  const efi = entry.efi;
  const kernel = await fileSource(fs, efi.path, `the kernel of "${entry.id}"`);
  const composed = composeType1Cmdline({
    kind: "efi",
    initrds: [],
    options: entry.options === "" ? null : entry.options,
    editedLine: opts.editedCmdline ?? null,
  });
  const started = { path: efi.path, loaderPath: efi.loaderPath, size: sourceSize(kernel) };
  return finish(entry, opts, { label: efi.path, bootImage: started, kernel, initrd: layoutInitrd([], { style: "type1" }), composed, notes: [] });
}

/**
 * A whole file, at the size it has now: read again at plan time rather than taken from the listing, so that
 * the plan made again from the sealed copies sees a file that changed (src/plan/plan-files.ts).
 */
async function fileSource(fs: ReadOnlyFs, path: string, what: string): Promise<ByteSource> {
  const st = await fs.stat(path);
  if (st?.kind !== "file") {
    throw new BootError(`Cannot boot: ${what}, "${path}", is missing`, "Reinstall the kernel (kernel-install), or fix the entry file");
  }
  return { type: "range", path, offset: 0, size: st.size };
}

function finish(entry: BootEntry, opts: PlanOptions, p: Omit<LoadPlan, "entryId" | "cmdline"> & { composed: ComposedCmdline }): LoadPlan {
  const cmdline = p.composed.cmdline;
  checkCmdlineLength(cmdline, opts.cmdlineLimit);
  return { entryId: entry.id, ...p, cmdline };
}

/**
 * The plan for `entry`.
 * @throws BootError when the entry cannot be booted (missing files, a command line over the limit)
 */
export async function buildPlan(fs: ReadOnlyFs, entry: BootEntry, opts: PlanOptions): Promise<LoadPlan> {
  if (entry.kind === "type1-linux") return planType1Linux(fs, entry, opts);
  // Every other kind boots its UKI through the stub rules; an `efi` entry without one names a plain EFI-stub kernel.
  const image = ukiOf(entry);
  if (image) return planUki(fs, entry, image, opts);
  if (entry.kind === "type1-efi") return planType1Efi(fs, entry, opts);
  throw new BootError(`Cannot boot "${entry.id}": it names no UKI and no kernel`, "Reinstall the entry (kernel-install), or choose another one");
}
