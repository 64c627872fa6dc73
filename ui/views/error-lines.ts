/** The error screen after a failed load: the message, the hint saying what to do, and the way back. */
import type { MenuError } from "../../src/ports/menu.ts";
import { sanitizeText, wrapToWidth } from "../text/terminal-text.ts";
import { line, type ViewLine, type ViewFormat } from "./view-line.ts";

export function errorLines(error: MenuError, fmt: ViewFormat): ViewLine[] {
  const text = (s: string) => sanitizeText(s, { unicode: fmt.unicode });
  const out: ViewLine[] = [line(text(error.title ?? "The entry could not be started"), "heading"), line("")];
  for (const l of wrapToWidth(text(error.message), fmt.width - 2)) out.push(line(`  ${l}`, "error"));
  if (error.hint) {
    out.push(line(""));
    for (const l of wrapToWidth(text(error.hint), fmt.width - 2)) out.push(line(`  ${l}`));
  }
  out.push(line(""), line("Press Enter or Esc to return to the menu.", "dim"));
  return out;
}
