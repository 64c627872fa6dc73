/**
 * The menu as a pure reducer: the state at start, and what each key, tick and resize does to it. Each
 * screen's keys live with that screen: ui/state/entry-list.ts, cmdline-editor.ts and scroll-view.ts; the
 * countdown in countdown.ts; leaving the menu in menu-decision.ts.
 */
import type { Key } from "../input/key.ts";
import { buildMenuItems } from "../model/menu-items.ts";
import { onEditorKey } from "./cmdline-editor.ts";
import { onTick } from "./countdown.ts";
import { centeredScrollTop, clampList, hiddenMenuTarget, onListKey } from "./entry-list.ts";
import { decide, itemChoice, unattended } from "./menu-decision.ts";
import type { MenuAction, MenuState, MenuStateOptions } from "./menu-types.ts";
import { errorScreen, noticeScreen, onErrorKey, onViewKey, reflowView } from "./scroll-view.ts";
import { normalizeTimeout, type TimeoutValue } from "./timeout-steps.ts";

/** Whether the menu starts hidden, waiting briefly for a key: `menu-hidden` with entries, no error and no forced menu. */
export function startsHidden(opts: Pick<MenuStateOptions, "entries" | "config" | "error" | "notice">): boolean {
  const { config } = opts;
  return (
    !opts.error &&
    !opts.notice &&
    opts.entries.length > 0 &&
    !config.forceMenu &&
    normalizeTimeout(config.timeout) === "menu-hidden" &&
    config.hiddenKeyWindowMs > 0
  );
}

/** The state at start: menu with countdown, hidden menu waiting for a key, or already decided (menu disabled). */
export function createMenuState(opts: MenuStateOptions): MenuState {
  const { entries, config, now } = opts;
  const items = buildMenuItems(entries, config);
  const defaultIndex = Math.max(
    0,
    entries.findIndex((e) => e.id === config.defaultEntryId),
  );
  const initialDefaultId = entries.find((e) => e.isDefault)?.id ?? null;
  const timeout = normalizeTimeout(config.timeout);
  const efiVar: TimeoutValue = config.timeoutEfiVar === undefined ? "unset" : normalizeTimeout(config.timeoutEfiVar);
  const base: MenuState = {
    phase: "menu",
    items,
    entryCount: entries.length,
    selected: defaultIndex,
    scrollTop: 0,
    screen: { name: "list" },
    terminal: opts.terminal,
    theme: opts.theme,
    now,
    confirmFirmware: false,
    defaultId: initialDefaultId,
    initialDefaultId,
    timeout,
    timeoutEfiVar: efiVar,
    initialTimeoutEfiVar: efiVar,
    editorEnabled: config.editor,
    problems: opts.problems ?? [],
    redraws: 0,
    ...(config.version === undefined ? {} : { version: config.version }),
    ...(opts.totp ? { totp: opts.totp } : {}),
  };
  const start = { ...base, scrollTop: centeredScrollTop(base, defaultIndex) };

  if (opts.error) {
    return { ...start, screen: errorScreen(start, opts.error, now) };
  }
  if (opts.notice) {
    return { ...start, screen: noticeScreen(start, opts.notice, now) };
  }
  if (entries.length === 0) {
    return { ...start, status: "No boot entries found." };
  }
  const hiddenOrDisabled = timeout === "menu-hidden" || timeout === "menu-disabled";
  if (config.forceMenu || !hiddenOrDisabled) {
    // menu-force, and hidden/disabled forced by the one-shot variable, show the menu with no countdown.
    return typeof timeout === "number" ? { ...start, countdownDeadline: now + timeout * 1000 } : start;
  }
  if (startsHidden(opts)) {
    return { ...start, phase: "hidden", hiddenDeadline: now + config.hiddenKeyWindowMs };
  }
  return decide(start, unattended(itemChoice(items[defaultIndex]!)));
}

export function menuReducer(state: MenuState, action: MenuAction): MenuState {
  if (state.phase === "done") return state;
  switch (action.type) {
    case "tick":
      return onTick({ ...state, now: action.now });
    case "input":
      return onInput({ ...state, now: action.now }, action.keys);
    case "resize": {
      const s = clampList({ ...state, terminal: action.terminal });
      return "scroll" in s.screen ? reflowView(s, s.screen) : s;
    }
    default: {
      const unhandled: never = action;
      throw new Error(`Internal error: unhandled menu action ${JSON.stringify(unhandled)}`);
    }
  }
}

function onInput(state: MenuState, keys: readonly Key[]): MenuState {
  if (state.phase === "hidden") {
    // Line noise and terminal reports are not a person holding a key.
    const first = keys.find((k) => k.name !== "unknown");
    if (!first) return state;
    const target = hiddenMenuTarget(state, first);
    if (target !== undefined) return decide(state, itemChoice(state.items[target]!));
    // Like systemd-boot, which resets the input before drawing the menu, the rest of this read is dropped:
    // a held key must open the menu, not also act in it.
    return { ...state, phase: "menu", hiddenDeadline: undefined };
  }
  let s = state;
  for (const key of keys) {
    if (s.phase === "done") break;
    s = onKey(s, key);
  }
  return s;
}

function onKey(state: MenuState, key: Key): MenuState {
  if (key.name === "unknown") return state;
  // Any key stops the countdown (systemd-boot sets timeout_remain = 0 before looking at the key).
  const s: MenuState = { ...state, countdownDeadline: undefined };
  switch (s.screen.name) {
    case "list":
      return onListKey(s, key);
    case "editor":
      return onEditorKey(s, s.screen, key);
    case "details":
    case "help":
    case "problems":
      return onViewKey(s, s.screen, key);
    case "error":
    case "notice":
      return onErrorKey(s, s.screen, key);
    default: {
      const unhandled: never = s.screen;
      throw new Error(`Internal error: unhandled screen ${JSON.stringify(unhandled)}`);
    }
  }
}
