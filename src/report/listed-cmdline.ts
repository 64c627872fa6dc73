/**
 * The command line an entry boots with when nobody edits it, as `ukiboot list` shows it (the `cmdline`
 * field of `bootctl list --json`): the stub rules of docs/command-line.md §2 without SMBIOS extras,
 * and docs/command-line.md §3 for Type #1 `linux` and `efi` kernels without the `initrd=` tokens.
 */
import { mangleCmdline } from "../cmdline/mangle.ts";
import type { BootAddon, BootEntry } from "../model/boot-entry.ts";
import { addonsOf, ukiOf } from "../model/entry-rules.ts";

/** Appends with one space, or returns the piece alone when the line is empty. */
function append(line: string, piece: string): string {
  return piece === "" ? line : line === "" ? piece : `${line} ${piece}`;
}

/** The joined add-on command line: one space between pieces, even empty ones, then mangled (docs/command-line.md §2). */
export function addonCmdline(addons: readonly Pick<BootAddon, "cmdline">[]): string {
  let acc = "";
  for (const a of addons) {
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
  const image = ukiOf(entry);
  if (!image) return entry.options;
  const base = entry.kind === "type2" ? entry.options : entry.options !== "" ? mangleCmdline(entry.options) : (image.cmdline ?? "");
  return append(base, addonCmdline(addonsOf(entry)));
}
