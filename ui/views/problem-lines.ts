/** The problems panel (`w`): every file discovery skipped or complained about, with the reason. */
import type { MenuProblem } from "../../src/ports/menu.ts";
import { sanitizeText, wrapToWidth } from "../text/terminal-text.ts";
import { line, type ViewLine, type ViewFormat } from "./view-line.ts";

export function problemLines(problems: readonly MenuProblem[], fmt: ViewFormat): ViewLine[] {
  const out: ViewLine[] = [line(`Problems found while looking for boot entries (${problems.length})`, "heading")];
  if (problems.length === 0) {
    out.push(line("  Nothing was skipped.", "dim"));
    return out;
  }
  for (const p of problems) {
    const where = sanitizeText(p.line === undefined ? p.file : `${p.file}:${p.line}`, { unicode: fmt.unicode });
    out.push(line(""));
    for (const l of wrapToWidth(where, fmt.width - 2)) out.push(line(`  ${l}`, "warning"));
    for (const l of wrapToWidth(sanitizeText(p.message, { unicode: fmt.unicode }), fmt.width - 4)) out.push(line(`    ${l}`));
  }
  return out;
}
