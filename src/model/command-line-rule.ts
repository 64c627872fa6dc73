/**
 * Whose command line boots (docs/trust.md §5): the image's own `.cmdline`, or a line from outside it (an
 * entry's `options`, the menu's `e`, `--cmdline`, `--append`, the crash kernel's rewrite). Decided here and
 * nowhere else, from the image that boots, never from the kind of entry that reached it: a Type #2 entry, a
 * `uki` entry, an `efi` entry naming a UKI, a fetched network UKI and a crash kernel all boot the same
 * signed file, and an unsigned entry file that names it must not be able to replace its signed line.
 */
import type { BootEntry, UkiImageRef } from "./boot-entry.ts";
import { ukiOf, whySignaturesRule, type TrustState } from "./entry-rules.ts";

/**
 * The image that boots, as far as its command line goes. A network UKI is not known before it is fetched;
 * it is taken to have a `.cmdline`, as UKIs do, and decided again on the fetched file.
 */
export type BootImage = "uki with .cmdline" | "uki without .cmdline" | "plain kernel" | "network uki, not fetched";

/** The image a UKI reference boots: undefined for an entry that boots a plain kernel. */
export function bootImage(uki: UkiImageRef | undefined): BootImage {
  if (!uki) return "plain kernel";
  return uki.sections[".cmdline"] !== undefined ? "uki with .cmdline" : "uki without .cmdline";
}

/** The image `entry` boots, resolved: an `efi` entry naming a UKI boots that UKI. */
export function bootImageOf(entry: BootEntry): BootImage {
  return entry.kind === "uki-url" ? "network uki, not fetched" : bootImage(ukiOf(entry));
}

export type CommandLineDecision =
  /** A line from outside the image replaces its `.cmdline`, or is the only line it gets. */
  | { readonly imageLineWins: false }
  /**
   * The image's own line boots: entry options are ignored and a person's change is refused, as systemd-stub
   * ignores the loader's line; signed add-ons' `.cmdline`s are still appended. `reason` is a clause for
   * refusals and notes, e.g. "Secure Boot is on, and its UKI's signed .cmdline is what boots, as systemd-stub does".
   */
  | { readonly imageLineWins: true; readonly reason: string };

/**
 * The rule: when signatures rule the boot (Secure Boot on, the kernel locked down, or `enforce`/`strict`)
 * and the image is a UKI with a `.cmdline`, that line boots; under Secure Boot in a confidential VM no line
 * from outside reaches a UKI at all, as systemd-stub does. Everything else takes the line from outside: with
 * no `.cmdline` there is no signed line to protect, so the loader's line is all there is (docs/trust.md §5).
 * @example commandLineRule("uki with .cmdline", { mode: "enforce", secureBoot: false }).imageLineWins  // true
 */
export function commandLineRule(image: BootImage, t: TrustState): CommandLineDecision {
  const why = whySignaturesRule(t);
  if (why === undefined) return { imageLineWins: false };
  if (image === "uki with .cmdline") return { imageLineWins: true, reason: `${why}, and its UKI's signed .cmdline is what boots, as systemd-stub does` };
  if (image === "network uki, not fetched")
    return { imageLineWins: true, reason: `${why}, and a network UKI's own .cmdline is what boots, as systemd-stub does (checked again once it is fetched)` };
  if (image === "uki without .cmdline" && t.secureBoot && t.confidentialVm === true) {
    return { imageLineWins: true, reason: "Secure Boot is on in a confidential VM, where systemd-stub takes no command line from outside the UKI" };
  }
  return { imageLineWins: false };
}

/**
 * Whether `e` may edit this entry, or the sentence systemd-boot shows when it may not (docs/menu.md §2).
 */
export function editability(entry: BootEntry, t: TrustState): true | { reason: string } {
  return commandLineRule(bootImageOf(entry), t).imageLineWins ? { reason: "Entry not editable in SecureBoot mode." } : true;
}

/**
 * Whether a command line given by a person (`--cmdline`, `--append`, an edit) may change this entry's, or
 * why not, as a sentence naming the entry and the rule (docs/trust.md §5).
 */
export function mayChangeCmdline(entry: BootEntry, t: TrustState): true | { reason: string; hint: string } {
  const rule = commandLineRule(bootImageOf(entry), t);
  if (!rule.imageLineWins) return true;
  return {
    reason: `Cannot change the command line of "${entry.id}": ${rule.reason}`,
    hint: "Boot it unchanged, or put the options into the UKI (ukify --cmdline) or a signed add-on",
  };
}
