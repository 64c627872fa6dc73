/**
 * What each kind of entry allows, in one place: whether its command line may be edited, whether boots of it
 * are counted, which UKI is verified and measured for it, and how the menu lists it (docs/entries.md §8).
 */
import type { BootAddon, BootEntry, EntryKind, UkiImageRef } from "./boot-entry.ts";

/**
 * The UKI the entry boots through the stub rules (Type #2, Type #1 `uki`, or an `efi` target that is a
 * UKI): the image whose signature is verified and whose sections are measured. undefined for a plain kernel.
 */
export function ukiOf(entry: BootEntry): UkiImageRef | undefined {
  return entry.kind === "type1-linux" ? undefined : entry.image;
}

/** The add-ons that apply to the entry: none for a plain kernel. */
export function addonsOf(entry: BootEntry): readonly BootAddon[] {
  return entry.kind === "type1-linux" ? [] : (entry.addons ?? []);
}

/** The UKI's `.uname`, when the entry boots one that has it. */
export function unameOf(entry: BootEntry): string | undefined {
  return ukiOf(entry)?.uname;
}

/** The UKI profile the entry boots, for the kinds that name one. */
export function profileOf(entry: BootEntry): number | undefined {
  return entry.kind === "type2" || entry.kind === "type1-uki" ? entry.profile : undefined;
}

/** The id that all profiles of one UKI share: that of profile 0. */
export function ukiIdOf(entry: BootEntry): string {
  return entry.kind === "type2" ? (entry.idWithoutProfile ?? entry.id) : entry.id;
}

/** Kinds whose boots are counted: linux, uki and Type #2, as newer systemd-boot does (docs/efi-variables.md §5). */
const COUNTED: readonly EntryKind[] = ["type1-linux", "type1-uki", "type2"];

/** Whether booting this entry uses one of its tries (its file name carries a counter and its kind is counted). */
export function isCounted(entry: BootEntry): boolean {
  return entry.triesLeft >= 0 && entry.nextFileName !== undefined && COUNTED.includes(entry.kind);
}

/** Type #2 options come from the UKI's own .cmdline: shown, but not passed as LoadOptions (docs/command-line.md §2). */
export function optionsAreImplied(entry: BootEntry): boolean {
  return entry.kind === "type2";
}

/** The menu hotkey: systemd-boot gives Linux kinds "l"; an `efi` entry has none. */
export function hotkeyOf(entry: BootEntry): string | undefined {
  return entry.kind === "type1-efi" ? undefined : "l";
}

/**
 * Whether `e` may edit this entry, or the sentence systemd-boot shows when it may not (docs/menu.md §2).
 * Under Secure Boot a UKI's embedded .cmdline (or entry options) wins, so the stub would drop the edit.
 */
export function editability(entry: BootEntry, secureBoot: boolean): true | { reason: string } {
  const uki = entry.kind === "type2" || entry.kind === "type1-uki" ? entry.image : undefined;
  if (uki && secureBoot && (uki.sections[".cmdline"] !== undefined || entry.options !== "")) {
    return { reason: "Entry not editable in SecureBoot mode." };
  }
  return true;
}
