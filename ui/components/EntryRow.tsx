/**
 * One row of the entry list: pointer, default marker (► or =>, as systemd-boot marks the EFI-variable
 * default), title, version and state tags (bad, tries left, one-shot).
 */
import type { MenuItem } from "../model/menu-items.ts";
import { displayWidth, padToWidth, sanitizeText, truncateToWidth } from "../text/terminal-text.ts";
import type { Theme } from "../theme.ts";
import { type Segment, StyledLine } from "./StyledLine.tsx";

export interface RowColumns {
  readonly width: number;
  readonly versionWidth: number;
  readonly tagWidth: number;
}

/** Columns before the title: margin, pointer, space, two-column marker, space. */
export const ROW_PREFIX_WIDTH = 6;

/** The tag shown after the version: boot counting state and the one-shot flag. */
export function entryTag(item: MenuItem): string {
  if (item.type !== "entry") return "";
  const e = item.entry;
  const tags: string[] = [];
  if (e.triesLeft === 0) tags.push("bad");
  else if (e.triesLeft > 0) tags.push(`${e.triesLeft} ${e.triesLeft === 1 ? "try" : "tries"} left`);
  if (e.isOneShot) tags.push("one-shot");
  tags.push(...(e.tags ?? []));
  return tags.join(", ");
}

/** The version column's text; empty when the title already shows it (titles made unique carry the version). */
export function entryVersion(item: MenuItem, theme: Theme): string {
  if (item.type !== "entry" || !item.entry.version || item.title.includes(item.entry.version)) return "";
  return sanitizeText(item.entry.version, { unicode: theme.unicode });
}

export function EntryRow(props: { item: MenuItem; selected: boolean; isDefault: boolean; columns: RowColumns; theme: Theme }) {
  const { item, selected, isDefault, columns, theme } = props;
  const g = theme.glyphs;
  const version = truncateToWidth(entryVersion(item, theme), columns.versionWidth, g.ellipsis);
  // A row without a version lets its title run on into the version column.
  const versionColumn = version === "" || columns.versionWidth === 0 ? 0 : columns.versionWidth + 2;
  const tagColumn = columns.tagWidth > 0 ? columns.tagWidth + 2 : 0;
  const titleWidth = Math.max(8, columns.width - ROW_PREFIX_WIDTH - versionColumn - tagColumn);
  const title = padToWidth(truncateToWidth(sanitizeText(item.title, { unicode: theme.unicode }), titleWidth, g.ellipsis), titleWidth);
  const tag = entryTag(item);
  const bad = item.type === "entry" && item.entry.triesLeft === 0;
  const segments: Segment[] = [
    { text: ` ${selected ? g.pointer : " "} ` },
    { text: isDefault ? g.defaultMarker : "  ", style: isDefault ? "marker" : "normal" },
    { text: ` ${title}` },
  ];
  if (versionColumn > 0) segments.push({ text: `  ${padToWidth(version, columns.versionWidth)}`, style: "dim" });
  if (tagColumn > 0) segments.push({ text: `  ${padToWidth(tag, columns.tagWidth)}`, style: bad ? "warning" : "dim" });
  const used = segments.reduce((n, s) => n + displayWidth(s.text), 0);
  if (used < columns.width) segments.push({ text: " ".repeat(columns.width - used) });
  return <StyledLine theme={theme} segments={segments} {...(selected ? { lineStyle: "selected" as const } : {})} />;
}
