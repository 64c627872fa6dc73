/** The top two rows (ui/frame/header-lines.ts). */
import { headerLines } from "../frame/header-lines.ts";
import type { MenuState } from "../state/menu-types.ts";
import { Lines } from "./StyledLine.tsx";

export function Header({ state }: { state: MenuState }) {
  return <Lines lines={headerLines(state)} theme={state.theme} />;
}
