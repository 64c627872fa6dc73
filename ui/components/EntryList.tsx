/** The entry list (ui/frame/entry-list-lines.ts). */
import { entryListLines } from "../frame/entry-list-lines.ts";
import type { MenuState } from "../state/menu-types.ts";
import { Lines } from "./StyledLine.tsx";

export function EntryList({ state }: { state: MenuState }) {
  return <Lines lines={entryListLines(state)} theme={state.theme} />;
}
