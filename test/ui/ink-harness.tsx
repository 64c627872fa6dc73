// Renders BootMenu with ink-testing-library, a fake clock and a fixed 80x24 terminal, and follows its frames
// as they are drawn: time moves only with the fake clock, and nothing waits on the wall clock.
import { render } from "ink-testing-library";
import { BootMenu } from "../../ui/components/BootMenu.tsx";
import type { MenuConfig, MenuDecision, MenuEntry, MenuError, MenuProblem } from "../../src/ports/menu.ts";
import type { MenuController } from "../../ui/state/menu-controller.ts";
import type { Theme } from "../../ui/theme.ts";
import { FakeClock } from "./fake-clock.ts";
import { ASCII_THEME, CONFIG, ENTRIES, stripAnsi } from "./menu-fixtures.ts";

export interface Harness {
  clock: FakeClock;
  decisions: MenuDecision[];
  controller: () => MenuController;
  frame: () => string;
  /** Writes bytes as one read, then waits until React has drawn. */
  type: (bytes: string) => Promise<void>;
  /** Moves the fake clock, then waits until React has drawn. */
  advance: (ms: number) => Promise<void>;
  waitFor: (predicate: (frame: string) => boolean, what: string) => Promise<string>;
  unmount: () => void;
}

/** Lets React and Ink finish the work a write or a fake-clock step queued: event-loop turns, not time. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

/** Turns after which a frame that has not come is taken as never coming. */
const MAX_TURNS = 200;

export async function renderMenu(
  opts: {
    entries?: readonly MenuEntry[];
    config?: Partial<MenuConfig>;
    problems?: readonly MenuProblem[];
    error?: MenuError;
    theme?: Theme;
    terminal?: { columns: number; rows: number };
  } = {},
): Promise<Harness> {
  const clock = new FakeClock();
  const decisions: MenuDecision[] = [];
  let controller: MenuController | undefined;
  const r = render(
    <BootMenu
      entries={opts.entries ?? ENTRIES}
      config={{ ...CONFIG, ...opts.config }}
      problems={opts.problems ?? []}
      {...(opts.error ? { error: opts.error } : {})}
      theme={opts.theme ?? ASCII_THEME}
      terminal={opts.terminal ?? { columns: 80, rows: 24 }}
      clock={clock}
      onDecision={(d) => decisions.push(d)}
      onController={(c) => {
        controller = c;
      }}
    />,
  );
  await settle();
  const frame = () => stripAnsi(r.lastFrame() ?? "");
  return {
    clock,
    decisions,
    controller: () => {
      if (!controller) throw new Error("BootMenu did not hand out its controller");
      return controller;
    },
    frame,
    async type(bytes) {
      r.stdin.write(bytes);
      await settle();
    },
    async advance(ms) {
      clock.advance(ms);
      await settle();
    },
    async waitFor(predicate, what) {
      for (let i = 0; i < MAX_TURNS; i++) {
        if (predicate(frame())) return frame();
        await new Promise((res) => setImmediate(res));
      }
      throw new Error(`The menu never drew ${what}; last frame:\n${frame()}`);
    },
    unmount: () => r.unmount(),
  };
}
