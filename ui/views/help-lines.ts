/** The help view (h, ?, F1): the keys of the menu and the editor, as systemd-boot binds them (docs/menu.md §1, docs/menu.md §2). */
import type { Glyphs } from "../theme.ts";
import { line, type ViewLine, type ViewFormat } from "./view-line.ts";

export function helpLines(g: Glyphs, fmt: ViewFormat): ViewLine[] {
  const row = (keys: string, what: string) => line(`  ${keys.padEnd(26)}${what}`);
  const out: ViewLine[] = [
    line("Keys in the menu", "heading"),
    row(`${g.up} ${g.down} k j`, "previous / next entry"),
    row("Home End PgUp PgDn", "first / last entry, one screen up / down"),
    row(`Enter ${g.right}`, "boot the highlighted entry"),
    row("1-9  l", "entry 1-9, next Linux entry"),
    row("e", "edit the command line, then Enter boots it"),
    row("d", "make the entry the default, or clear the default"),
    row("+ t / - T", "longer / shorter menu timeout"),
    row("p / w", "entry details / problems found while looking"),
    row("f", "reboot into firmware setup (asks first)"),
    row("B / O / Q", "reboot / power off / rescue shell"),
    row("v  Ctrl-L  Esc", "version, redraw, back; any key stops the countdown"),
    line(""),
    line("Keys in the editor", "heading"),
    row(`${g.left} ${g.right} Home End`, "move; Ctrl-B/F/A/E do the same"),
    row(`${g.up} ${g.down}`, "previous / next word (also Alt-B/F)"),
    row("Backspace Del", "delete; Ctrl-K to end, Ctrl-W word"),
    row("Enter / Esc", "boot with this line / cancel"),
  ];
  // Rows are written to fit 80 columns; cut rather than wrap on narrower consoles.
  return out.map((l) => (l.text.length > fmt.width ? line(l.text.slice(0, fmt.width), l.style) : l));
}
