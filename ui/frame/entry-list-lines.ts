/**
 * The entry list: the visible page of items, with version and tag columns aligned over that page. Each row:
 * pointer, default marker (► or =>, as systemd-boot marks the EFI-variable default), title, version and
 * state tags (bad, tries left, one-shot).
 */
import type { MenuItem } from "../model/menu-items.ts";
import { bodyRows, contentWidth } from "../state/layout.ts";
import type { MenuState } from "../state/menu-types.ts";
import { displayWidth, padToWidth, sanitizeText, truncateToWidth } from "../text/terminal-text.ts";
import type { Theme } from "../theme.ts";
import { BLANK_LINE, type FrameLine, type Segment } from "./frame-line.ts";

export interface RowColumns {
  readonly width: number;
  readonly versionWidth: number;
  readonly tagWidth: number;
}

/** Columns before the title: margin, pointer, space, two-column marker, space. */
export const ROW_PREFIX_WIDTH = 6;

const MIN_VERSION = 12;
const MIN_TITLE = 20;

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

export function entryListLines(state: MenuState): FrameLine[] {
  const rows = bodyRows(state.terminal);
  const width = contentWidth(state.terminal);
  const visible = state.items.slice(state.scrollTop, state.scrollTop + rows);
  const tagWidth = Math.min(Math.max(0, ...visible.map((i) => displayWidth(entryTag(i)))), 14);
  const versions = visible.map((i) => displayWidth(entryVersion(i, state.theme)));
  const longestVersion = Math.max(0, ...versions);
  // Titles of rows with a version get the room they need first; the version column keeps at least
  // MIN_VERSION columns (or all of its longest value when shorter) and titles at least MIN_TITLE.
  const avail = width - ROW_PREFIX_WIDTH - (tagWidth > 0 ? tagWidth + 2 : 0) - 2;
  const longestTitle = Math.max(0, ...visible.filter((_, i) => versions[i]! > 0).map((i) => displayWidth(i.title)));
  const versionWidth = Math.max(0, Math.min(longestVersion, Math.max(avail - longestTitle, Math.min(longestVersion, MIN_VERSION)), avail - MIN_TITLE));
  const columns = { width, versionWidth, tagWidth };
  const lines = visible.map((item, i) =>
    entryRowLine(item, state.scrollTop + i === state.selected, item.type === "entry" && item.id === state.defaultId, columns, state.theme),
  );
  return [...lines, ...Array.from({ length: Math.max(0, rows - visible.length) }, () => BLANK_LINE)];
}

function entryRowLine(item: MenuItem, selected: boolean, isDefault: boolean, columns: RowColumns, theme: Theme): FrameLine {
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
  return { segments, ...(selected ? { lineStyle: "selected" as const } : {}) };
}
