/**
 * The bottom three rows: a rule, the status line ("Boot in N s." or the last message, as systemd-boot
 * shows them) and the keys that work on the current screen.
 */
import { countdownSeconds } from "../state/countdown.ts";
import { bodyRows, contentWidth } from "../state/layout.ts";
import type { MenuState } from "../state/menu-types.ts";
import { padToWidth, sanitizeText, truncateToWidth } from "../text/terminal-text.ts";
import type { FrameLine } from "./frame-line.ts";

export function statusLines(state: MenuState): FrameLine[] {
  const { theme } = state;
  const width = contentWidth(state.terminal);
  const seconds = countdownSeconds(state);
  const status = state.status ?? (seconds === undefined ? "" : `Boot in ${seconds} s.`);
  const fit = (s: string) => padToWidth(truncateToWidth(s, width, theme.glyphs.ellipsis), width);
  return [
    { segments: [{ text: theme.glyphs.rule.repeat(width), style: "dim" }] },
    { segments: [{ text: fit(` ${sanitizeText(status, { unicode: theme.unicode })}`), style: "heading" }] },
    { segments: [{ text: fit(` ${keyHints(state)}`), style: "dim" }] },
  ];
}

/** The key hints for the screen in view; the full list is in help. */
export function keyHints(state: MenuState): string {
  const g = state.theme.glyphs;
  const screen = state.screen;
  switch (screen.name) {
    case "list":
      return `${g.up}/${g.down} select  Enter boot  e edit  d default  +/- timeout  p details  h help`;
    case "editor":
      return `${g.left}/${g.right} move  Ctrl-K kill to end  Ctrl-W kill word  Enter boot  Esc cancel`;
    case "details":
    case "help":
    case "problems":
    case "error":
    case "notice": {
      const total = screen.lines.length;
      const rows = bodyRows(state.terminal);
      const back = screen.name === "error" || screen.name === "notice" ? "Enter/Esc back to the menu" : "Esc back";
      if (total <= rows) return back;
      const last = Math.min(total, screen.scroll + rows);
      return `${g.up}/${g.down} PgUp/PgDn scroll  ${back}  (lines ${screen.scroll + 1}-${last} of ${total})`;
    }
    default: {
      const unhandled: never = screen;
      throw new Error(`Internal error: unhandled screen ${JSON.stringify(unhandled)}`);
    }
  }
}
