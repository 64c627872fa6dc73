/**
 * The command line an entry boots with when nobody edits it, as `ukiboot list` shows it (the `cmdline`
 * field of `bootctl list --json`): the stub rules of boot-behaviour.md §10.2 without SMBIOS extras,
 * and §10.3 for Type #1 `linux` and `efi` kernels without the `initrd=` tokens.
 */
import { mangleCmdline } from "../cmdline/mangle.ts";
import type { BootEntry } from "../model/boot-entry.ts";

/** Appends with one space, or returns the piece alone when the line is empty. */
function append(line: string, piece: string): string {
  return piece === "" ? line : line === "" ? piece : `${line} ${piece}`;
}

/** The joined add-on command line: one space between pieces, even empty ones, then mangled (§10.2). */
export function addonCmdline(entry: Pick<BootEntry, "addons">): string {
  let acc = "";
  for (const a of entry.addons) {
    if (a.cmdline === undefined) continue;
    acc = acc === "" ? a.cmdline : `${acc} ${a.cmdline}`;
  }
  return mangleCmdline(acc);
}

/**
 * The command line of an unedited boot. UKI kinds: the custom line (Type #1 `options`) replaces the
 * UKI's `.cmdline` when it is not empty, then the add-on line is appended. Plain kernels: `options`.
 */
export function listedCmdline(entry: BootEntry): string {
  if (!entry.image) return entry.options;
  const base = entry.kind === "type2" ? entry.options : entry.options !== "" ? mangleCmdline(entry.options) : (entry.image.cmdline ?? "");
  return append(base, addonCmdline(entry));
}
