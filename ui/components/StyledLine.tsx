/**
 * One line of the frame as styled segments; the caller has already cut and padded it to the width.
 * Trailing spaces are dropped unless they are shown inverse: Ink erases each line before drawing it, so
 * they are invisible, and a serial console at 115200 baud draws a full 80x23 frame in about 0.2 s.
 */
import { Text } from "ink";
import { type TextStyle, type Theme, textStyleProps } from "../theme.ts";

export interface Segment {
  readonly text: string;
  readonly style?: TextStyle;
}

/** Removes trailing spaces of segments that would not show them (everything but the inverse highlight). */
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

export function StyledLine({ segments, theme, lineStyle }: { segments: readonly Segment[]; theme: Theme; lineStyle?: TextStyle }) {
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
