/**
 * A notice the flow shows once before the list: a title, the message, a picture where the terminal can draw
 * it (the QR code of a sealed TOTP secret is made of Unicode half blocks) and lines a person copies or types,
 * which are cut at the width rather than wrapped at spaces, so that joining the rows gives the string back.
 */
import type { MenuNotice } from "../../src/ports/menu.ts";
import { sanitizeText, wrapToWidth } from "../text/terminal-text.ts";
import { line, type ViewFormat, type ViewLine } from "./view-line.ts";

export function noticeLines(notice: MenuNotice, fmt: ViewFormat): ViewLine[] {
  const text = (s: string) => sanitizeText(s, { unicode: fmt.unicode });
  const out: ViewLine[] = [line(text(notice.title), "heading"), line("")];
  for (const l of wrapToWidth(text(notice.message), fmt.width - 2)) out.push(line(`  ${l}`));
  if (notice.picture) {
    out.push(line(""));
    if (fmt.unicode) for (const l of notice.picture) out.push(line(`  ${l}`));
    else out.push(line("  (The QR code needs a UTF-8 terminal: use the text below.)", "dim"));
  }
  if (notice.verbatim) {
    out.push(line(""));
    const width = Math.max(1, fmt.width - 2);
    for (const l of notice.verbatim) for (let i = 0; i < Math.max(1, l.length); i += width) out.push(line(`  ${text(l.slice(i, i + width))}`));
  }
  out.push(line(""), line("Press Enter or Esc to return to the menu.", "dim"));
  return out;
}
