/** A scrolling text view (details, help, problems, error): the page of lines at the scroll position. */
import { Box, Text } from "ink";
import { bodyRows, contentWidth } from "../state/layout.ts";
import type { MenuState } from "../state/menu-types.ts";
import { padToWidth } from "../text/terminal-text.ts";
import type { ViewLine } from "../views/view-line.ts";
import { StyledLine } from "./StyledLine.tsx";

export function TextView({ state, lines, scroll }: { state: MenuState; lines: readonly ViewLine[]; scroll: number }) {
  const rows = bodyRows(state.terminal);
  const width = contentWidth(state.terminal);
  const page = lines.slice(scroll, scroll + rows);
  return (
    <Box flexDirection="column">
      {page.map((l, i) => (
        <StyledLine key={i} theme={state.theme} segments={[{ text: padToWidth(` ${l.text}`, width), style: l.style }]} />
      ))}
      {Array.from({ length: Math.max(0, rows - page.length) }, (_, i) => (
        <Text key={`blank-${i}`}> </Text>
      ))}
    </Box>
  );
}
