/**
 * BootMenu: the whole menu screen. It owns a MenuController (state, key splitting, timers), feeds it
 * what the terminal sends, and draws the state; it reports one MenuDecision through `onDecision`.
 */
import { Box, useStdout } from "ink";
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import type { Clock } from "../clock.ts";
import { useTerminalInput } from "../input/use-terminal-input.ts";
import type { MenuRequest } from "../../src/ports/chooser.ts";
import type { MenuDecision } from "../../src/ports/menu.ts";
import type { TerminalSize } from "../state/layout.ts";
import { stateForConsole } from "../state/console-view.ts";
import { createMenuController, type MenuController } from "../state/menu-controller.ts";
import { createMenuState } from "../state/menu-state.ts";
import type { MenuState } from "../state/menu-types.ts";
import type { Theme } from "../theme.ts";
import { CLEAR_SCREEN } from "../frame/screen-control.ts";
import { CmdlineEditor } from "./CmdlineEditor.tsx";
import { EntryList } from "./EntryList.tsx";
import { Header } from "./Header.tsx";
import { StatusLine } from "./StatusLine.tsx";
import { TextView } from "./TextView.tsx";

export { CLEAR_SCREEN };

/** What the menu is asked (the chooser port's request), and how it is drawn and answered. */
export type BootMenuProps = MenuRequest & {
  readonly theme: Theme;
  readonly terminal: TerminalSize;
  readonly clock: Clock;
  readonly onDecision: (decision: MenuDecision) => void;
  /**
   * Clear the screen when a hidden menu opens and on Ctrl-L (real terminals; off in tests). A menu shown
   * from the start is not cleared here: the caller clears before the first frame, so it is drawn once.
   */
  readonly clearScreen?: boolean;
  /** Input already read from the terminal before the menu loaded (the hidden menu's key, ui/hidden-key.ts). */
  readonly pendingInput?: string;
  /** Test hook: receives the controller so a test can inspect the state. */
  readonly onController?: (controller: MenuController) => void;
  /**
   * The one menu shown on several consoles (docs/menu.md §4): its controller, which the caller starts and
   * disposes, and whether this console only mirrors it (laid out for its own size; the first console's size
   * sets the pages). Keys typed here are fed to it under `inputSource`.
   */
  readonly shared?: { readonly controller: MenuController; readonly mirror: boolean; readonly inputSource: string };
};

export function BootMenu(props: BootMenuProps) {
  const onDecision = useRef(props.onDecision);
  onDecision.current = props.onDecision;
  const [controller] = useState(
    () =>
      props.shared?.controller ??
      createMenuController({
        state: createMenuState({ ...props, now: props.clock.now() }),
        clock: props.clock,
        onDecision: (d) => onDecision.current(d),
      }),
  );
  const shared = props.shared;
  const sharedState = useSyncExternalStore(controller.subscribe, controller.getState);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the layout follows the terminal's size, not the identity of its object
  const state = useMemo(
    () => (shared?.mirror ? stateForConsole(sharedState, props.terminal, props.theme) : sharedState),
    [sharedState, shared?.mirror, props.terminal.columns, props.terminal.rows, props.theme],
  );

  useTerminalInput((text) => controller.feed(text, shared?.inputSource));
  // biome-ignore lint/correctness/useExhaustiveDependencies: the controller starts once per mount; the props it reads here are the mount's
  useEffect(() => {
    props.onController?.(controller);
    if (shared) return;
    controller.start();
    if (props.pendingInput) controller.feed(props.pendingInput);
    return () => controller.dispose();
  }, [controller]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a resize follows the terminal's size, not the identity of its object
  useEffect(() => {
    if (!shared?.mirror) controller.resize(props.terminal);
  }, [controller, shared?.mirror, props.terminal.columns, props.terminal.rows]);
  useScreenClearing(state, props.clearScreen ?? false);

  if (state.phase !== "menu") return null;
  return (
    <Box flexDirection="column">
      <Header state={state} />
      <Body state={state} />
      <StatusLine state={state} />
    </Box>
  );
}

function Body({ state }: { state: MenuState }) {
  const screen = state.screen;
  switch (screen.name) {
    case "list":
      return <EntryList state={state} />;
    case "editor":
      return <CmdlineEditor state={state} screen={screen} />;
    case "details":
    case "help":
    case "problems":
    case "error":
    case "notice":
      return <TextView state={state} lines={screen.lines} scroll={screen.scroll} />;
    default: {
      const unhandled: never = screen;
      throw new Error(`Internal error: unhandled screen ${JSON.stringify(unhandled)}`);
    }
  }
}

/** Clears the screen when a hidden menu opens and on each redraw request (Ctrl-L). */
function useScreenClearing(state: MenuState, enabled: boolean) {
  const { write } = useStdout();
  const shown = state.phase === "menu";
  const shownAtMount = useRef(shown);
  const first = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: state.redraws is the trigger (a repaint asked for), not a value the effect reads
  useEffect(() => {
    const skip = first.current && shownAtMount.current;
    first.current = false;
    // Ink's write() puts the text above its frame and draws the frame again: a full repaint.
    if (enabled && shown && !skip) write(CLEAR_SCREEN);
  }, [enabled, shown, state.redraws, write]);
}
