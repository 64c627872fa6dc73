/**
 * The menu controller: holds the reducer's state outside React, turns terminal text into key actions
 * (through the key splitter) and schedules the ticks the state asks for. Every key is applied to the
 * state the moment it is read, in order, so a burst can never lose or reorder keys; React only draws.
 */
import type { Clock } from "../clock.ts";
import { createKeySplitter } from "../input/key-splitter.ts";
import type { Key } from "../input/key.ts";
import type { MenuDecision } from "../../src/ports/menu.ts";
import type { TerminalSize } from "./layout.ts";
import { nextWakeup } from "./countdown.ts";
import { menuReducer } from "./menu-state.ts";
import type { MenuAction, MenuState } from "./menu-types.ts";

/** How long a lone ESC waits for the rest of a sequence before it counts as the Esc key. */
export const ESCAPE_DELAY_MS = 50;

export interface MenuController {
  getState(): MenuState;
  subscribe(listener: () => void): () => void;
  /**
   * Text read from a terminal, in any chunking. `source` names the terminal when there are several: each has
   * its own half-read escape sequence, so keys typed on two consoles at once never run into one another.
   */
  feed(text: string, source?: string): void;
  /** Keys that were split elsewhere (tests, or another input source). */
  pressKeys(keys: readonly Key[]): void;
  resize(terminal: TerminalSize): void;
  /** Starts the timers; reports the decision at once when the state is already decided (menu disabled). */
  start(): void;
  /** Cancels timers; no decision is reported after this. */
  dispose(): void;
}

export function createMenuController(opts: {
  state: MenuState;
  clock: Clock;
  onDecision: (decision: MenuDecision) => void;
  escapeDelayMs?: number;
}): MenuController {
  const { clock } = opts;
  const escapeDelay = opts.escapeDelayMs ?? ESCAPE_DELAY_MS;
  const sources = new Map<string, { splitter: ReturnType<typeof createKeySplitter>; cancelFlush?: (() => void) | undefined }>();
  const listeners = new Set<() => void>();
  let state = opts.state;
  let cancelTick: (() => void) | undefined;
  let reported = false;
  let running = false;

  function dispatch(action: MenuAction): void {
    const next = menuReducer(state, action);
    if (next === state) return;
    state = next;
    for (const l of listeners) l();
    afterChange();
  }

  function afterChange(): void {
    if (!running) return;
    if (state.phase === "done") {
      stopTimers();
      if (!reported && state.decision) {
        reported = true;
        opts.onDecision(state.decision);
      }
      return;
    }
    scheduleTick();
  }

  function scheduleTick(): void {
    cancelTick?.();
    cancelTick = undefined;
    const at = nextWakeup(state);
    if (at === undefined) return;
    cancelTick = clock.setTimer(() => {
      cancelTick = undefined;
      dispatch({ type: "tick", now: clock.now() });
      // A timer that fired a little early changes nothing; ask again.
      if (cancelTick === undefined && running && state.phase !== "done") scheduleTick();
    }, at - clock.now());
  }

  function stopTimers(): void {
    cancelTick?.();
    cancelTick = undefined;
    for (const s of sources.values()) {
      s.cancelFlush?.();
      s.cancelFlush = undefined;
    }
  }

  function pressKeys(keys: readonly Key[]): void {
    if (keys.length > 0) dispatch({ type: "input", keys, now: clock.now() });
  }

  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    feed(text, source = "") {
      let s = sources.get(source);
      if (!s) sources.set(source, (s = { splitter: createKeySplitter() }));
      const own = s;
      own.cancelFlush?.();
      own.cancelFlush = undefined;
      pressKeys(own.splitter.push(text));
      if (own.splitter.hasPending() && running) {
        own.cancelFlush = clock.setTimer(() => {
          own.cancelFlush = undefined;
          pressKeys(own.splitter.flush());
        }, escapeDelay);
      }
    },
    pressKeys,
    resize(terminal) {
      if (terminal.columns !== state.terminal.columns || terminal.rows !== state.terminal.rows) {
        dispatch({ type: "resize", terminal });
      }
    },
    start() {
      running = true;
      afterChange();
    },
    dispose() {
      running = false;
      stopTimers();
    },
  };
}
