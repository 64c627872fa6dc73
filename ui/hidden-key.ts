/**
 * The hidden menu's key window without the menu's code (docs/boot-time.md §4): with `timeout 0` nobody is
 * usually there, so ukiboot waits for a key on the raw terminal and loads Ink only when one arrives. The key
 * is handed to the menu, which treats it exactly as if it had been read there (a hotkey boots its entry, any
 * other key opens the menu).
 */
import type { MenuRequest } from "../src/ports/chooser.ts";
import type { MenuDecision } from "../src/ports/menu.ts";
import type { Clock } from "./clock.ts";
// A type only: nothing of Ink is loaded by this import.
import type { InputStream } from "./input/use-terminal-input.ts";
import { startsHidden, createMenuState } from "./state/menu-state.ts";
import { chooseTheme } from "./theme.ts";

/**
 * The first read within `ms` from any of the terminals, or null. Raw mode for the wait: a key typed before
 * it (still in the line discipline's buffer) is read at once, and nothing is echoed. The modes are restored
 * afterwards.
 */
export function waitForKey(inputs: InputStream | readonly InputStream[], ms: number, clock: Clock): Promise<string | null> {
  const list = Array.isArray(inputs) ? (inputs as readonly InputStream[]) : [inputs as InputStream];
  return new Promise((resolve) => {
    let cancel = () => {};
    const undo: (() => void)[] = [];
    let done = false;
    const finish = (text: string | null) => {
      if (done) return;
      done = true;
      cancel();
      for (const u of undo) u();
      resolve(text);
    };
    for (const input of list) {
      const wasRaw = input.isRaw === true;
      if (input.isTTY && input.setRawMode) input.setRawMode(true);
      const decoder = new TextDecoder("utf-8");
      const onData = (chunk: string | Uint8Array) => finish(typeof chunk === "string" ? chunk : decoder.decode(chunk));
      input.on("data", onData);
      undo.push(() => {
        input.removeListener("data", onData);
        if (input.isTTY && input.setRawMode) input.setRawMode(wasRaw);
        input.pause?.();
      });
    }
    cancel = clock.setTimer(() => finish(null), ms);
    for (const input of list) input.resume?.();
  });
}

/**
 * For a request that starts in the hidden menu: what the menu would decide when its key window passes with no
 * key (the default entry, unattended). Undefined when the request shows the menu at once.
 */
export function decisionWithoutKey(request: MenuRequest, env: Readonly<Record<string, string | undefined>>): MenuDecision | undefined {
  if (!startsHidden(request)) return undefined;
  const state = createMenuState({
    ...request,
    config: { ...request.config, hiddenKeyWindowMs: 0 },
    now: 0,
    // Nothing is drawn: the size and theme only shape frames, which a decided state has none of.
    terminal: { columns: 80, rows: 24 },
    theme: chooseTheme(env),
  });
  if (state.phase !== "done" || !state.decision) throw new Error("Internal error: a hidden menu with no key did not decide");
  return state.decision;
}
