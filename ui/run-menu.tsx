/**
 * runMenu(): shows the boot menu on a terminal and resolves with the person's decision. It renders with Ink
 * on the given streams, reads keys itself, and restores the terminal (frame erased, raw mode off, cursor
 * shown) before it resolves, so the caller can load, kexec or exit right after. It never loads or boots.
 */
import { render } from "ink";
import { BootMenu, type BootMenuProps } from "./components/BootMenu.tsx";
import { CLEAR_SCREEN, CURSOR_HOME, SHOW_CURSOR } from "./frame/screen-control.ts";
import { systemClock } from "./clock.ts";
import type { MenuRequest } from "../src/ports/chooser.ts";
import type { MenuDecision } from "../src/ports/menu.ts";
import type { TerminalSize } from "./state/layout.ts";
import { createMenuController } from "./state/menu-controller.ts";
import { createMenuState } from "./state/menu-state.ts";
import { TerminalOutput } from "./terminal-output.ts";
import { type MenuIo, terminalSetup } from "./terminal-setup.ts";

export type { MenuIo };

export interface RunMenuOptions extends MenuRequest {
  readonly io: MenuIo;
  /** More consoles that show the same menu, each laid out for its own size, and whose keys drive it too (docs/menu.md §4). */
  readonly others?: readonly MenuIo[];
  /** Input read before the menu loaded (the hidden menu's key): handled first, as if typed in the menu. */
  readonly pendingInput?: string;
  /**
   * The first frame was drawn before Ink loaded (ui/first-frame.ts): Ink draws over it instead of clearing
   * the screen first. The countdown starts now, when keys can be read: one typed at the first frame waited in
   * the input and stops it, as any key does.
   */
  readonly overFirstFrame?: boolean;
}

export async function runMenu(opts: RunMenuOptions): Promise<MenuDecision> {
  const consoles = [opts.io, ...(opts.others ?? [])];
  const clock = opts.io.clock ?? systemClock;
  const setups = consoles.map((io) => terminalSetup(io));
  const first = setups[0]!;

  // With the menu disabled the default boots at once: the terminal is not touched at all.
  const initial = createMenuState({ ...opts, now: clock.now(), terminal: first.size(), theme: first.theme });
  if (initial.phase === "done" && initial.decision) return initial.decision;

  let settle: { resolve: (d: MenuDecision) => void; reject: (e: unknown) => void } | undefined;
  const decided = new Promise<MenuDecision>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // One state for every console: the first console's size sets the pages, the others mirror it.
  const controller = createMenuController({ state: initial, clock, onDecision: (d) => settle?.resolve(d) });
  const drawn = consoles.map((io, i) => {
    const { theme, size } = setups[i]!;
    const overFrame = opts.overFirstFrame === true && io.stdout.isTTY === true;
    const output = new TerminalOutput(io.stdout, size, { overFrame });
    // The menu owns the console while it is shown; a hidden menu clears only if it opens.
    if (output.isTTY && initial.phase === "menu") io.stdout.write(overFrame ? CURSOR_HOME : CLEAR_SCREEN);
    const props = (terminal: TerminalSize): BootMenuProps => ({
      entries: opts.entries,
      config: opts.config,
      ...(opts.problems ? { problems: opts.problems } : {}),
      ...(opts.error ? { error: opts.error } : {}),
      theme,
      terminal,
      clock,
      clearScreen: output.isTTY,
      // The controller reports the decision; each console only draws it and feeds it keys.
      onDecision: () => {},
      shared: { controller, mirror: i > 0, inputSource: String(i) },
    });
    const instance = render(<BootMenu {...props(size())} />, {
      stdout: output as unknown as NodeJS.WriteStream,
      stdin: io.stdin,
      exitOnCtrlC: false,
      patchConsole: false,
      // Not incrementalRendering: Ink 6.8's incremental writer moves the cursor up one line too few when the
      // frame ends in a newline, which leaves stale rows on a real terminal (test/ui/run-menu.test.tsx replays it).
    });
    const onResize = () => {
      output.emit("resize");
      instance.rerender(<BootMenu {...props(size())} />);
    };
    io.stdout.on?.("resize", onResize);
    instance.waitUntilExit().then(
      () => settle?.reject(new Error("Internal error: the menu exited without a decision")),
      (err: unknown) => settle?.reject(err),
    );
    return { io, output, instance, onResize };
  });
  controller.start();
  if (opts.pendingInput) controller.feed(opts.pendingInput);

  try {
    return await decided;
  } finally {
    controller.dispose();
    for (const d of drawn) {
      d.io.stdout.off?.("resize", d.onResize);
      // The decided menu draws nothing, so unmounting leaves the screen empty; unmount also ends raw mode.
      d.instance.unmount();
      d.instance.cleanup();
      if (d.output.isTTY) d.io.stdout.write(SHOW_CURSOR);
    }
  }
}
