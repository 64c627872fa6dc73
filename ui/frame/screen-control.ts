/** The few control sequences the menu writes itself (VT100; every console ukiboot draws on knows them). */

/** Home the cursor and clear the screen: the menu owns the whole console while it is shown. */
export const CLEAR_SCREEN = "\x1b[H\x1b[2J";
/** Home the cursor without clearing: Ink's first frame is drawn over the frame already there. */
export const CURSOR_HOME = "\x1b[H";
/** DECTCEM: the menu hides the cursor while it draws (Ink does the same) and shows it again on leaving. */
export const HIDE_CURSOR = "\x1b[?25l";
export const SHOW_CURSOR = "\x1b[?25h";
/** Erase from the cursor to the end of its line, and from the cursor to the end of the screen. */
export const ERASE_LINE_END = "\x1b[K";
export const ERASE_BELOW = "\x1b[J";
