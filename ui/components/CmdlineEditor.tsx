/**
 * The command-line editor: one field that scrolls sideways like systemd-boot's line editor, with the
 * terminal's own cursor placed in it, and the whole line wrapped below so a long line can be read at once.
 */
import { Box, Text, useCursor } from "ink";
import { bodyRows, contentWidth, editorFieldWidth, HEADER_ROWS } from "../state/layout.ts";
import type { MenuScreen, MenuState } from "../state/menu-types.ts";
import { displayWidth, padToWidth, sanitizeText, truncateToWidth, wrapToWidth } from "../text/terminal-text.ts";
import { StyledLine } from "./StyledLine.tsx";

/** Body row of the edit field. */
const FIELD_ROW = 2;

export function CmdlineEditor({ state, screen }: { state: MenuState; screen: Extract<MenuScreen, { name: "editor" }> }) {
  const { theme } = state;
  const width = contentWidth(state.terminal);
  const fieldWidth = editorFieldWidth(state.terminal);
  const rows = bodyRows(state.terminal);
  const item = state.items.find((i) => i.id === screen.entryId);
  const unicode = theme.unicode;
  // Each code point is shown as one column: "?" replaces what the terminal could not show or would misread.
  const shown = screen.line.chars.map((c) => (sanitizeText(c, { unicode }) || "?").slice(0, 2));
  const visible = shown.slice(screen.viewStart, screen.viewStart + fieldWidth);
  const cursorAt = screen.line.cursor - screen.viewStart;
  const before = visible.slice(0, cursorAt).join("");
  const under = visible[cursorAt] ?? " ";
  const after = visible.slice(cursorAt + 1).join("");
  const moreLeft = screen.viewStart > 0;
  const moreRight = screen.viewStart + fieldWidth < shown.length;

  // Ink takes the position during render and applies it with the frame; it hides the cursor on unmount.
  const { setCursorPosition } = useCursor();
  setCursorPosition({ x: 1 + displayWidth(before), y: HEADER_ROWS + FIELD_ROW });

  const title = truncateToWidth(sanitizeText(item?.title ?? screen.entryId, { unicode }), width - 30, theme.glyphs.ellipsis);
  const whole = wrapToWidth(shown.join(""), width - 2);
  const room = Math.max(0, rows - 5);
  const wrapped = whole.length > room ? [...whole.slice(0, Math.max(0, room - 1)), theme.glyphs.ellipsis] : whole;
  const lines = 5 + wrapped.length;
  return (
    <Box flexDirection="column">
      <StyledLine theme={theme} segments={[{ text: padToWidth(` Edit the command line of "${title}":`, width), style: "heading" }]} />
      <Text> </Text>
      <StyledLine
        theme={theme}
        segments={[
          { text: moreLeft ? "<" : " ", style: "dim" },
          { text: before },
          { text: under, style: "selected" },
          { text: padToWidth(after, Math.max(0, fieldWidth - displayWidth(before) - displayWidth(under))) },
          { text: moreRight ? ">" : " ", style: "dim" },
        ]}
      />
      <Text> </Text>
      <StyledLine theme={theme} segments={[{ text: padToWidth(" The whole line:", width), style: "dim" }]} />
      {wrapped.map((l, i) => (
        <StyledLine key={i} theme={theme} segments={[{ text: padToWidth(` ${l}`, width), style: "dim" }]} />
      ))}
      {Array.from({ length: Math.max(0, rows - lines) }, (_, i) => (
        <Text key={`blank-${i}`}> </Text>
      ))}
    </Box>
  );
}
