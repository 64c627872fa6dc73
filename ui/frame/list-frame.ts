/** The whole list screen of the menu as lines: header, entries, status (what BootMenu draws for it). */
import type { MenuState } from "../state/menu-types.ts";
import type { FrameLine } from "./frame-line.ts";
import { entryListLines } from "./entry-list-lines.ts";
import { headerLines } from "./header-lines.ts";
import { statusLines } from "./status-lines.ts";

export function listFrameLines(state: MenuState): FrameLine[] {
  return [...headerLines(state), ...entryListLines(state), ...statusLines(state)];
}
