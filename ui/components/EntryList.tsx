/** The entry list: the visible page of items, with version and tag columns aligned over that page. */
import { Box, Text } from "ink";
import { bodyRows, contentWidth } from "../state/layout.ts";
import type { MenuState } from "../state/menu-types.ts";
import { displayWidth } from "../text/terminal-text.ts";
import { EntryRow, entryTag, entryVersion, ROW_PREFIX_WIDTH } from "./EntryRow.tsx";

const MIN_VERSION = 12;
const MIN_TITLE = 20;

export function EntryList({ state }: { state: MenuState }) {
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
  const blank = Math.max(0, rows - visible.length);
  return (
    <Box flexDirection="column">
      {visible.map((item, i) => (
        <EntryRow
          key={item.id}
          item={item}
          selected={state.scrollTop + i === state.selected}
          isDefault={item.type === "entry" && item.id === state.defaultId}
          columns={columns}
          theme={state.theme}
        />
      ))}
      {Array.from({ length: blank }, (_, i) => (
        <Text key={`blank-${i}`}> </Text>
      ))}
    </Box>
  );
}
