/**
 * Progress: what the loader is doing while it reads a large entry from slow media and writes the merged
 * initrd: a title, the current step, bytes done of the total, the percentage and a bar.
 */
import type { ProgressUpdate } from "../../src/ports/chooser.ts";
import { Box, Text } from "ink";
import { formatBytes } from "../text/format-bytes.ts";
import { displayWidth, padToWidth, sanitizeText, truncateToWidth } from "../text/terminal-text.ts";
import type { Theme } from "../theme.ts";
import { StyledLine } from "./StyledLine.tsx";

export type { ProgressUpdate };

/** Whole percent, never 100 before the last byte. */
export function progressPercent(done: number, total: number): number | undefined {
  if (!(total > 0)) return undefined;
  const p = Math.floor((Math.min(done, total) * 100) / total);
  return done >= total ? 100 : Math.min(p, 99);
}

export function Progress(props: { title: string; update: ProgressUpdate; theme: Theme; width: number }) {
  const { title, update, theme, width } = props;
  const g = theme.glyphs;
  const text = (s: string) => sanitizeText(s, { unicode: theme.unicode });
  const percent = progressPercent(update.done, update.total);
  const amount =
    percent === undefined ? formatBytes(update.done) : `${formatBytes(update.done)} of ${formatBytes(update.total)}  ${String(percent).padStart(3)}%`;
  const labelWidth = Math.max(4, width - displayWidth(amount) - 3);
  const barWidth = Math.max(4, width - 4);
  const filled = percent === undefined ? 0 : Math.floor((barWidth * percent) / 100);
  return (
    <Box flexDirection="column">
      <StyledLine theme={theme} segments={[{ text: padToWidth(` ${truncateToWidth(text(title), width - 2, g.ellipsis)}`, width), style: "heading" }]} />
      <Text> </Text>
      {/* Until the first report there is nothing to count yet. */}
      {update.label === "" && update.done === 0 ? null : (
        <StyledLine theme={theme} segments={[{ text: ` ${padToWidth(truncateToWidth(text(update.label), labelWidth, g.ellipsis), labelWidth)}  ${amount}` }]} />
      )}
      {percent === undefined ? null : (
        <StyledLine
          theme={theme}
          segments={[
            { text: " [" },
            { text: g.barFull.repeat(filled), style: "marker" },
            { text: g.barEmpty.repeat(barWidth - filled), style: "dim" },
            { text: "]" },
          ]}
        />
      )}
    </Box>
  );
}
