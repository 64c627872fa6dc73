/**
 * FrameLine: one row of the menu's frame as styled segments, already cut and padded to the width. The menu's
 * screens are built as lines (ui/frame/*-lines.ts); Ink draws them (ui/components/StyledLine.tsx), and so does
 * the plain painter that draws the first frame before Ink has loaded (ui/frame/paint-lines.ts). Both paint the
 * same lines, so the layout is decided once.
 */
import type { TextStyle } from "../theme.ts";

export interface Segment {
  readonly text: string;
  readonly style?: TextStyle;
}

export interface FrameLine {
  readonly segments: readonly Segment[];
  /** A style for the whole row (the highlighted entry). */
  readonly lineStyle?: TextStyle;
}

/** An empty row. */
export const BLANK_LINE: FrameLine = { segments: [] };

/**
 * Removes trailing spaces of segments that would not show them (everything but the inverse highlight): they
 * are invisible, and a serial console at 115200 baud draws a full 80x23 frame in about 0.2 s.
 */
export function trimInvisibleEnd(segments: readonly Segment[], lineStyle?: TextStyle): Segment[] {
  if (lineStyle === "selected") return [...segments];
  const out = [...segments];
  while (out.length > 0) {
    const last = out[out.length - 1]!;
    if (last.style === "selected") break;
    const trimmed = last.text.replace(/ +$/, "");
    if (trimmed === "") {
      out.pop();
      continue;
    }
    out[out.length - 1] = { ...last, text: trimmed };
    break;
  }
  return out;
}
