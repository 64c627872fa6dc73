/**
 * The menu's first frame, drawn before Ink and React have loaded: loading them and their first render was
 * two thirds of the time from ukiboot's start to the menu (docs/boot-time.md §9). The frame is the list
 * screen's lines (ui/frame/list-frame.ts) painted as plain text (ui/frame/paint-lines.ts); Ink then draws its
 * own frame over it (runMenu's `overFirstFrame`), which is the same unless something changed meanwhile. Keys typed
 * meanwhile wait in the terminal's input, read raw (holdRawMode) so that they are neither echoed over the frame
 * nor taken as line editing or a signal.
 */
import type { MenuRequest } from "../src/ports/chooser.ts";
import type { Clock } from "./clock.ts";
import { listFrameLines } from "./frame/list-frame.ts";
import { paintLines } from "./frame/paint-lines.ts";
import { CLEAR_SCREEN, HIDE_CURSOR, SHOW_CURSOR } from "./frame/screen-control.ts";
import { stateForConsole } from "./state/console-view.ts";
import { createMenuState } from "./state/menu-state.ts";
import { type MenuIo, terminalSetup } from "./terminal-setup.ts";

/**
 * Draws the list screen of `request` on every console that is a terminal; false when the menu's first screen is
 * not the list (an error or a notice is shown first, or the menu is disabled) or no console is a terminal: Ink
 * alone draws those. Its countdown shows the whole timeout, which starts once Ink reads keys.
 */
export function drawFirstFrame(request: MenuRequest, consoles: readonly MenuIo[], clock: Clock): boolean {
  const setups = consoles.map((io) => terminalSetup(io));
  const now = clock.now();
  const first = setups[0];
  if (!first) return false;
  const state = createMenuState({ ...request, now, terminal: first.size(), theme: first.theme });
  if (state.phase !== "menu" || state.screen.name !== "list") return false;
  let drawn = false;
  for (const [i, io] of consoles.entries()) {
    if (io.stdout.isTTY !== true) continue;
    const { theme, size } = setups[i]!;
    // The other consoles mirror the first, laid out for their own size, as BootMenu lays them out.
    const shown = i === 0 ? state : stateForConsole(state, size(), theme);
    io.stdout.write(`${CLEAR_SCREEN}${HIDE_CURSOR}${paintLines(listFrameLines(shown), theme)}`);
    drawn = true;
  }
  return drawn;
}

/** Clears a first frame that Ink never took over (loading the menu failed), and shows the cursor again. */
export function eraseFirstFrame(consoles: readonly MenuIo[]): void {
  for (const io of consoles) if (io.stdout.isTTY === true) io.stdout.write(`${CLEAR_SCREEN}${SHOW_CURSOR}`);
}

/**
 * Puts every console that is a terminal in raw mode from the first frame on, as Ink does when it mounts; the
 * returned function puts each back as it was, after the menu.
 */
export function holdRawMode(consoles: readonly Pick<MenuIo, "stdin">[]): () => void {
  const undo: (() => void)[] = [];
  const restore = () => {
    for (const u of undo.splice(0)) u();
  };
  try {
    for (const { stdin } of consoles) {
      const input = stdin as { isTTY?: boolean; isRaw?: boolean; setRawMode?: (raw: boolean) => unknown };
      if (!input.isTTY || !input.setRawMode) continue;
      const wasRaw = input.isRaw === true;
      input.setRawMode(true);
      undo.push(() => input.setRawMode?.(wasRaw));
    }
  } catch (e) {
    // A console that refused (a serial line that hung up) leaves none of the others raw.
    restore();
    throw e;
  }
  return restore;
}
