/**
 * One menu on several consoles (docs/menu.md §4): the state is one, and each console draws it laid out for its
 * own size and theme, as the reducer lays it out after a resize. The selection, the countdown and the screen
 * are the same everywhere; only which rows are visible and how lines wrap differ.
 */
import type { Theme } from "../theme.ts";
import type { TerminalSize } from "./layout.ts";
import { menuReducer } from "./menu-state.ts";
import type { MenuState } from "./menu-types.ts";

export function stateForConsole(state: MenuState, terminal: TerminalSize, theme: Theme): MenuState {
  if (state.theme === theme && state.terminal.columns === terminal.columns && state.terminal.rows === terminal.rows) return state;
  // As after a resize: the visible rows follow the selection, and a view's lines are made again for this
  // console's width and characters.
  return menuReducer({ ...state, theme }, { type: "resize", terminal });
}
