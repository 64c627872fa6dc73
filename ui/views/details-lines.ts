/**
 * The entry details view (`p`): what systemd-boot's status screen prints for an entry (id, title, version,
 * counting, options), plus what ukiboot knows before loading: file, sections, add-ons, initrd members and
 * the problems found with the entry.
 */
import type { MenuEntry } from "../../src/ports/menu.ts";
import type { MenuItem } from "../model/menu-items.ts";
import { formatBytes } from "../text/format-bytes.ts";
import { sanitizeText, wrapToWidth } from "../text/terminal-text.ts";
import { line, type ViewLine, type ViewFormat } from "./view-line.ts";

const KIND_NAMES: Record<MenuEntry["kind"], string> = {
  "type1-linux": "Type #1 entry (linux)",
  "type1-efi": "Type #1 entry (efi)",
  "type1-uki": "Type #1 entry (uki)",
  type2: "Type #2 unified kernel image",
  "uki-url": "network UKI (fetched when booted)",
};

const ACTION_TEXT: Record<string, string> = {
  shell: "Starts a shell in the boot loader's initramfs, for repairs. Nothing is booted.",
  reboot: "Restarts the machine.",
  poweroff: "Switches the machine off.",
  "firmware-setup": "Asks the firmware to open its setup interface on the next start (OsIndications), then restarts.",
};

/** Label column width, so that values line up. */
const LABEL = 15;

export function detailsLines(item: MenuItem, state: { defaultId: string | null }, fmt: ViewFormat): ViewLine[] {
  const text = (s: string) => sanitizeText(s, { unicode: fmt.unicode });
  const out: ViewLine[] = [line(text(item.title), "heading")];
  if (item.type === "action") {
    for (const l of wrapToWidth(ACTION_TEXT[item.action] ?? "", fmt.width - 2)) out.push(line(`  ${l}`));
    return out;
  }
  const e = item.entry;
  const field = (label: string, value: string, style: ViewLine["style"] = "normal") => {
    const wrapped = wrapToWidth(text(value), Math.max(10, fmt.width - LABEL - 2));
    wrapped.forEach((l, i) => out.push(line(`  ${(i === 0 ? label : "").padEnd(LABEL)}${l}`, style)));
  };
  field("id", e.id);
  field("file", e.details.file);
  if (e.details.url !== undefined) field("url", e.details.url);
  if (e.kind === "uki-url") field("size", e.details.size !== undefined ? formatBytes(e.details.size) : "known once fetched");
  field("kind", KIND_NAMES[e.kind]);
  if (e.version) field("version", e.version);
  if (e.profile !== undefined) field("profile", String(e.profile));
  field("boot counting", countingText(e), e.triesLeft === 0 ? "warning" : "normal");
  field("default", state.defaultId === e.id ? "yes (EFI variable)" : "no");
  if (e.isOneShot) field("one-shot", "yes (LoaderEntryOneShot)");
  field("editable", e.editable === true ? "yes" : `no: ${e.editable.reason}`);

  out.push(line(""), line("Command line", "heading"));
  if (e.cmdline === "") out.push(line("  (empty)", "dim"));
  for (const l of e.cmdline === "" ? [] : wrapToWidth(text(e.cmdline), fmt.width - 2)) out.push(line(`  ${l}`));
  if (e.details.composedCmdline !== undefined && e.details.composedCmdline !== e.cmdline) {
    out.push(line(""), line("Kernel command line (with add-ons)", "heading"));
    for (const l of wrapToWidth(text(e.details.composedCmdline), fmt.width - 2)) out.push(line(`  ${l}`));
  }

  const { sections, addons, initrdMembers, problems } = e.details;
  if (sections && sections.length > 0) {
    out.push(line(""), line("Sections", "heading"));
    for (const s of sections) out.push(line(`  ${text(s.name).padEnd(LABEL)}${s.size === undefined ? "" : formatBytes(s.size)}`));
  }
  if (addons && addons.length > 0) {
    out.push(line(""), line("Add-ons", "heading"));
    for (const a of addons) {
      for (const l of wrapToWidth(text(a.path), fmt.width - 2)) out.push(line(`  ${l}`));
      if (a.cmdline) for (const l of wrapToWidth(text(a.cmdline), fmt.width - 4)) out.push(line(`    ${l}`, "dim"));
    }
  }
  if (initrdMembers && initrdMembers.length > 0) {
    out.push(line(""), line("Initrd members (merged in this order)", "heading"));
    initrdMembers.forEach((m, i) => {
      const size = m.size === undefined ? "" : `  ${formatBytes(m.size)}`;
      const lines = wrapToWidth(`${i + 1}. ${text(m.source)}${size}`, fmt.width - 2);
      for (const l of lines) out.push(line(`  ${l}`));
    });
  }
  if (problems && problems.length > 0) {
    out.push(line(""), line("Problems", "warning"));
    for (const p of problems) {
      wrapToWidth(text(p), fmt.width - 4).forEach((l, i) => out.push(line(`${i === 0 ? "  - " : "    "}${l}`, "warning")));
    }
  }
  return out;
}

function countingText(e: MenuEntry): string {
  if (e.triesLeft < 0) return "not counted";
  if (e.triesLeft === 0) return `bad: no tries left, ${e.triesDone} done`;
  return `${e.triesLeft} ${e.triesLeft === 1 ? "try" : "tries"} left, ${e.triesDone} done`;
}
