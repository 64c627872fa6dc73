/** The bottom three rows (ui/frame/status-lines.ts). */
import { statusLines } from "../frame/status-lines.ts";
import type { MenuState } from "../state/menu-types.ts";
import { Lines } from "./StyledLine.tsx";

export function StatusLine({ state }: { state: MenuState }) {
  return <Lines lines={statusLines(state)} theme={state.theme} />;
}
