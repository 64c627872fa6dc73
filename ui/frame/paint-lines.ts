/**
 * The plain painter: the frame's lines as text with SGR attributes, the same cells Ink draws for them
 * (test/ui/first-frame.test.tsx compares the two cell by cell). It draws the menu's first frame while Ink and
 * React are still loading (ui/first-frame.ts).
 */
import { type TextStyleProps, type Theme, textStyleProps } from "../theme.ts";
import { type FrameLine, trimInvisibleEnd } from "./frame-line.ts";

/** The foreground colours textStyleProps uses, as SGR codes. */
const FOREGROUND: Readonly<Record<string, number>> = { red: 31, green: 32, yellow: 33, cyan: 36 };

function sgr(props: TextStyleProps): string {
  const codes: number[] = [];
  if (props.bold) codes.push(1);
  if (props.dimColor) codes.push(2);
  if (props.inverse) codes.push(7);
  if (props.color !== undefined) {
    const code = FOREGROUND[props.color];
    if (code === undefined) throw new Error(`Internal error: no SGR code for the colour "${props.color}"`);
    codes.push(code);
  }
  return codes.length === 0 ? "" : `\x1b[${codes.join(";")}m`;
}

function paintLine(line: FrameLine, theme: Theme): string {
  const outer: TextStyleProps = line.lineStyle ? textStyleProps(line.lineStyle, theme) : {};
  const shown = trimInvisibleEnd(line.segments, theme.attributes ? line.lineStyle : undefined);
  return shown
    .map((s) => {
      // A segment's own style adds to the row's, as a nested <Text> does in Ink.
      const on = sgr({ ...outer, ...(s.style ? textStyleProps(s.style, theme) : {}) });
      return on === "" ? s.text : `${on}${s.text}\x1b[0m`;
    })
    .join("");
}

/** The lines, one per row, from the cursor's row down; the cursor ends after the last. */
export function paintLines(lines: readonly FrameLine[], theme: Theme): string {
  return lines.map((l) => paintLine(l, theme)).join("\n");
}
