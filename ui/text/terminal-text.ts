/**
 * Text as a terminal shows it: making untrusted strings (titles and command lines read from disk) safe to
 * print, measuring their width in columns, and cutting, padding and wrapping them to a width.
 */

/** Zero-width format characters, including the bidi overrides that could reorder what a person reads. */
const FORMAT_CHARACTERS = /\p{Cf}/gu;
const COMBINING = /^\p{M}$/u;

/**
 * Replaces control characters with "?" so that a title cannot send escape sequences to the terminal, drops
 * format characters, and without Unicode replaces every non-ASCII character with "?".
 */
export function sanitizeText(text: string, opts: { unicode: boolean }): string {
  let out = "";
  for (const ch of text.replace(FORMAT_CHARACTERS, "")) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (cp >= 0xd800 && cp <= 0xdfff)) out += "?";
    else if (!opts.unicode && cp > 0x7e) out += COMBINING.test(ch) ? "" : "?";
    else out += ch;
  }
  return out;
}

/** Columns a code point takes: 0 for combining marks, 2 for East Asian wide and emoji, else 1. */
export function codePointWidth(cp: number): number {
  if (COMBINING.test(String.fromCodePoint(cp))) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += codePointWidth(ch.codePointAt(0)!);
  return w;
}

/** The longest prefix of `text` that fits in `width` columns. */
export function sliceToWidth(text: string, width: number): string {
  let w = 0;
  let out = "";
  for (const ch of text) {
    const cw = codePointWidth(ch.codePointAt(0)!);
    if (w + cw > width) break;
    w += cw;
    out += ch;
  }
  return out;
}

/** Cuts `text` to `width` columns, ending with `ellipsis` when something was cut. */
export function truncateToWidth(text: string, width: number, ellipsis: string): string {
  if (width <= 0) return "";
  if (displayWidth(text) <= width) return text;
  const ew = displayWidth(ellipsis);
  if (ew >= width) return sliceToWidth(text, width);
  return sliceToWidth(text, width - ew) + ellipsis;
}

/** Pads with spaces (or cuts) to exactly `width` columns. */
export function padToWidth(text: string, width: number): string {
  const cut = sliceToWidth(text, width);
  return cut + " ".repeat(Math.max(0, width - displayWidth(cut)));
}

/**
 * Wraps to lines of at most `width` columns, breaking at spaces where possible and inside a word when
 * it is longer than a line (command lines have long words). Existing newlines are kept.
 */
export function wrapToWidth(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let rest = paragraph;
    if (rest === "") {
      lines.push("");
      continue;
    }
    while (displayWidth(rest) > w) {
      const head = sliceToWidth(rest, w);
      const space = head.lastIndexOf(" ");
      let cut = head.length;
      // Break at the space after the head, else at the last space in it, else inside the word.
      if (rest[head.length] !== " " && space > 0 && head.slice(0, space).trim() !== "") cut = space;
      lines.push(rest.slice(0, cut).trimEnd());
      rest = rest.slice(cut).replace(/^ +/, "");
    }
    lines.push(rest);
  }
  return lines;
}
