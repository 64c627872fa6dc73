/**
 * The screens that scroll (details, help, problems and the error): their lines, made once when the screen
 * opens and again only when the terminal's size changes, and the keys that move through them.
 */
import type { MenuError, MenuNotice } from "../../src/ports/menu.ts";
import { menuCommandFor, viewCommandFor } from "../input/key-bindings.ts";
import type { Key } from "../input/key.ts";
import { detailsLines } from "../views/details-lines.ts";
import { errorLines } from "../views/error-lines.ts";
import { helpLines } from "../views/help-lines.ts";
import { noticeLines } from "../views/notice-lines.ts";
import { problemLines } from "../views/problem-lines.ts";
import type { ViewFormat, ViewLine } from "../views/view-line.ts";
import { bodyRows, contentWidth } from "./layout.ts";
import type { MenuState, ScrollScreen, ScrollView } from "./menu-types.ts";

/** Keys typed ahead while an entry was loading must not dismiss the error before anyone has read it. */
export const ERROR_KEY_GUARD_MS = 500;

function format(state: Pick<MenuState, "terminal" | "theme">): ViewFormat {
  // TextView indents every line by one column.
  return { width: contentWidth(state.terminal) - 1, unicode: state.theme.unicode };
}

function linesOf(state: MenuState, name: ScrollView): ViewLine[] {
  const fmt = format(state);
  switch (name) {
    case "details": {
      const item = state.items[state.selected];
      return item ? detailsLines(item, state, fmt) : [];
    }
    case "help":
      return helpLines(state.theme.glyphs, fmt);
    case "problems":
      return problemLines(state.problems, fmt);
    default: {
      const unhandled: never = name;
      throw new Error(`Internal error: unhandled view ${String(unhandled)}`);
    }
  }
}

export function openView(state: MenuState, name: ScrollView): MenuState {
  return { ...state, screen: { name, scroll: 0, lines: linesOf(state, name) } };
}

export function errorScreen(state: Pick<MenuState, "terminal" | "theme">, error: MenuError, now: number): ScrollScreen {
  return { name: "error", error, shownAt: now, scroll: 0, lines: errorLines(error, format(state)) };
}

/** The screen's lines made again for the state's width (after a resize), its scroll position kept in range. */
export function noticeScreen(state: Pick<MenuState, "terminal" | "theme">, notice: MenuNotice, now: number): ScrollScreen {
  return { name: "notice", notice, shownAt: now, scroll: 0, lines: noticeLines(notice, format(state)) };
}

export function reflowView(state: MenuState, screen: ScrollScreen): MenuState {
  const lines =
    screen.name === "error"
      ? errorLines(screen.error, format(state))
      : screen.name === "notice"
        ? noticeLines(screen.notice, format(state))
        : linesOf(state, screen.name);
  return clampView({ ...state, screen: { ...screen, lines } }, { ...screen, lines });
}

/** The key that opens a view also closes it. */
const VIEW_OPENERS = { details: "details", help: "help", problems: "problems" } as const;

export function onViewKey(s: MenuState, screen: Extract<ScrollScreen, { name: ScrollView }>, key: Key): MenuState {
  if (menuCommandFor(key) === VIEW_OPENERS[screen.name]) return { ...s, screen: { name: "list" } };
  return scrollView(s, screen, key);
}

export function onErrorKey(s: MenuState, screen: Extract<ScrollScreen, { name: "error" | "notice" }>, key: Key): MenuState {
  if (s.now < screen.shownAt + ERROR_KEY_GUARD_MS) return s;
  return scrollView(s, screen, key);
}

function scrollView(s: MenuState, screen: ScrollScreen, key: Key): MenuState {
  const page = bodyRows(s.terminal);
  const command = viewCommandFor(key);
  const to = (scroll: number) => clampView(s, { ...screen, scroll });
  switch (command) {
    case "close":
      return { ...s, screen: { name: "list" } };
    case "scroll-up":
      return to(screen.scroll - 1);
    case "scroll-down":
      return to(screen.scroll + 1);
    case "page-up":
      return to(screen.scroll - page);
    case "page-down":
      return to(screen.scroll + page);
    case "top":
      return to(0);
    case "bottom":
      return to(Number.MAX_SAFE_INTEGER);
    case undefined:
      return s;
    default: {
      const unhandled: never = command;
      throw new Error(`Internal error: unhandled view command ${String(unhandled)}`);
    }
  }
}

/** Keeps the scroll position inside what the terminal shows of the lines. */
function clampView(s: MenuState, screen: ScrollScreen): MenuState {
  const max = Math.max(0, screen.lines.length - bodyRows(s.terminal));
  const scroll = Math.max(0, Math.min(max, screen.scroll));
  return { ...s, screen: scroll === screen.scroll ? screen : { ...screen, scroll } };
}
