/**
 * Ink's painter of the frame's lines (ui/frame/frame-line.ts). Trailing spaces are dropped unless they are
 * shown inverse: Ink erases each line before drawing it, so they are invisible.
 */
import { Box, Text } from "ink";
import { type FrameLine, type Segment, trimInvisibleEnd } from "../frame/frame-line.ts";
import { type TextStyle, type Theme, textStyleProps } from "../theme.ts";

export function StyledLine({ segments, theme, lineStyle }: { segments: readonly Segment[]; theme: Theme; lineStyle?: TextStyle | undefined }) {
  const outer = lineStyle ? textStyleProps(lineStyle, theme) : {};
  const shown = trimInvisibleEnd(segments, theme.attributes ? lineStyle : undefined);
  // An empty <Text> has no height in Ink; a single space keeps the row.
  if (shown.length === 0) return <Text> </Text>;
  return (
    <Text {...outer} wrap="truncate-end">
      {shown.map((s, i) => (
        <Text key={i} {...(s.style ? textStyleProps(s.style, theme) : {})}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}

/** Rows of the frame, one under the other. */
export function Lines({ lines, theme }: { lines: readonly FrameLine[]; theme: Theme }) {
  return (
    <Box flexDirection="column">
      {lines.map((l, i) => (
        <StyledLine key={i} theme={theme} segments={l.segments} lineStyle={l.lineStyle} />
      ))}
    </Box>
  );
}
