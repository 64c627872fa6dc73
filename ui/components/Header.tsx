/** The top two rows: the loader's name and version, a pointer to the problems panel, and a rule. */
import { Box } from "ink";
import { contentWidth } from "../state/layout.ts";
import type { MenuState } from "../state/menu-types.ts";
import { displayWidth, padToWidth, sanitizeText } from "../text/terminal-text.ts";
import { StyledLine } from "./StyledLine.tsx";

export function Header({ state }: { state: MenuState }) {
  const { theme } = state;
  const width = contentWidth(state.terminal);
  const left = ` ukiboot${state.version ? ` ${sanitizeText(state.version, { unicode: theme.unicode })}` : ""}`;
  const count = state.problems.length;
  const right = count === 0 ? "" : `${count} ${count === 1 ? "file was" : "files were"} skipped: press w `;
  const gap = Math.max(1, width - displayWidth(left) - displayWidth(right));
  const fits = displayWidth(left) + displayWidth(right) + 1 <= width;
  return (
    <Box flexDirection="column">
      <StyledLine
        theme={theme}
        segments={[
          { text: padToWidth(left, fits ? displayWidth(left) + gap : width), style: "title" },
          ...(fits && right ? [{ text: right, style: "warning" as const }] : []),
        ]}
      />
      <StyledLine theme={theme} segments={[{ text: theme.glyphs.rule.repeat(width), style: "dim" }]} />
    </Box>
  );
}
