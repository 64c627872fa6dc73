/**
 * The boot menu as a pure state machine: systemd-boot 257's menu_run() and the hidden-menu key check of
 * its efi_main() (docs/menu.md, docs/order-and-default.md §4), with ukiboot's views. Time only enters through actions
 * (`tick`, and `now` on input), so tests drive the countdown without clocks.
 */
import { editorCommandFor, menuCommandFor, typedCharacter, viewCommandFor } from "../input/key-bindings.ts";
import type { Key } from "../input/key.ts";
import type { MenuChoice, MenuConfig, MenuDecision, MenuEntry, MenuError, MenuProblem, MenuVariableChanges, StoredTimeout } from "../../src/ports/menu.ts";
import type { Theme } from "../theme.ts";
import { detailsLines } from "../views/details-lines.ts";
import { errorLines } from "../views/error-lines.ts";
import { helpLines } from "../views/help-lines.ts";
import { problemLines } from "../views/problem-lines.ts";
import type { ViewLine } from "../views/view-line.ts";
import { bodyRows, contentWidth, editorFieldWidth, type TerminalSize } from "./layout.ts";
import { editLine, insertChar, lineFromText, lineText, type LineState } from "./line-editor.ts";
import { buildMenuItems, type MenuItem } from "./menu-items.ts";
import { normalizeTimeout, stepTimeout, type TimeoutValue, timeoutStatusText } from "./timeout-steps.ts";

/** Keys typed ahead while an entry was loading must not dismiss the error before anyone has read it. */
export const ERROR_KEY_GUARD_MS = 500;
/** systemd-boot lets the edited line grow by this much. */
const EDITOR_EXTRA_CHARS = 1024;

export type ScrollView = "details" | "help" | "problems";

export type MenuScreen =
  | { readonly name: "list" }
  | { readonly name: ScrollView; readonly scroll: number }
  | { readonly name: "editor"; readonly entryId: string; readonly line: LineState; readonly viewStart: number; readonly maxLength: number }
  | { readonly name: "error"; readonly error: MenuError; readonly shownAt: number; readonly scroll: number };

export interface MenuState {
  /** `hidden`: waiting briefly for a key with the menu not shown; `done`: `decision` is set. */
  readonly phase: "hidden" | "menu" | "done";
  readonly items: readonly MenuItem[];
  /** How many of `items` are boot entries (they come first). */
  readonly entryCount: number;
  readonly selected: number;
  /** First visible item of the list. */
  readonly scrollTop: number;
  readonly screen: MenuScreen;
  readonly terminal: TerminalSize;
  readonly theme: Theme;
  /** Time of the last action, in ms. */
  readonly now: number;
  /** When the countdown boots the highlighted entry; undefined when there is none (or a key stopped it). */
  readonly countdownDeadline?: number;
  /** When the hidden menu stops waiting for a key. */
  readonly hiddenDeadline?: number;
  /** One-line message, cleared by the next key (as systemd-boot's status). */
  readonly status?: string;
  /** `f` was pressed: the next key confirms with Enter or cancels. */
  readonly confirmFirmware: boolean;
  /** The EFI-variable default as changed by `d`, and as it was at the start. */
  readonly defaultId: string | null;
  readonly initialDefaultId: string | null;
  /** The timeout in effect, stepped by +/-; the LoaderConfigTimeout value, and its value at the start. */
  readonly timeout: TimeoutValue;
  readonly timeoutEfiVar: TimeoutValue;
  readonly initialTimeoutEfiVar: TimeoutValue;
  readonly editorEnabled: boolean;
  readonly version?: string;
  readonly problems: readonly MenuProblem[];
  /** Bumped by Ctrl-L; the component repaints the whole screen when it changes. */
  readonly redraws: number;
  readonly decision?: MenuDecision;
}

export type MenuAction =
  /** Keys read from the terminal in one go, in order. */
  | { readonly type: "input"; readonly keys: readonly Key[]; readonly now: number }
  | { readonly type: "tick"; readonly now: number }
  | { readonly type: "resize"; readonly terminal: TerminalSize };

export interface MenuStateOptions {
  readonly entries: readonly MenuEntry[];
  readonly config: MenuConfig;
  readonly problems?: readonly MenuProblem[];
  /** Show the error screen first (a load failed); the menu then has no countdown, as in systemd-boot. */
  readonly error?: MenuError;
  readonly now: number;
  readonly terminal: TerminalSize;
  readonly theme: Theme;
}

/** Whether the menu starts hidden, waiting briefly for a key: `menu-hidden` with entries, no error and no forced menu. */
export function startsHidden(opts: Pick<MenuStateOptions, "entries" | "config" | "error">): boolean {
  const { config } = opts;
  return !opts.error && opts.entries.length > 0 && !config.forceMenu && normalizeTimeout(config.timeout) === "menu-hidden" && config.hiddenKeyWindowMs > 0;
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
  };
  const start = { ...base, scrollTop: centeredScrollTop(base, defaultIndex) };

  if (opts.error) {
    return { ...start, screen: { name: "error", error: opts.error, shownAt: now, scroll: 0 } };
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

/** Marks a boot chosen without a key press, so the caller falls back on its own when loading fails. */
function unattended(choice: MenuChoice): MenuChoice {
  return choice.kind === "boot" ? { ...choice, unattended: true } : choice;
}

export function menuReducer(state: MenuState, action: MenuAction): MenuState {
  if (state.phase === "done") return state;
  switch (action.type) {
    case "tick":
      return onTick({ ...state, now: action.now });
    case "input":
      return onInput({ ...state, now: action.now }, action.keys);
    case "resize":
      return clampScroll({ ...state, terminal: action.terminal });
    default: {
      const unhandled: never = action;
      throw new Error(`Internal error: unhandled menu action ${JSON.stringify(unhandled)}`);
    }
  }
}

/** Whole seconds left on the countdown, as "Boot in N s." shows them; undefined without a countdown. */
export function countdownSeconds(state: MenuState): number | undefined {
  if (state.countdownDeadline === undefined || state.phase !== "menu") return undefined;
  return Math.max(0, Math.ceil((state.countdownDeadline - state.now) / 1000));
}

/** When the state next needs a `tick`: the next change of the countdown's seconds, or the end of the key window. */
export function nextWakeup(state: MenuState): number | undefined {
  if (state.phase === "hidden") return state.hiddenDeadline;
  if (state.phase !== "menu" || state.countdownDeadline === undefined) return undefined;
  const left = state.countdownDeadline - state.now;
  if (left <= 0) return state.now;
  return state.now + (left % 1000 === 0 ? 1000 : left % 1000);
}

/** The lines of a scrolling view, at the state's width; the components render the same lines. */
export function viewLines(state: MenuState): ViewLine[] {
  // TextView indents every line by one column.
  const fmt = { width: contentWidth(state.terminal) - 1, unicode: state.theme.unicode };
  const screen = state.screen;
  switch (screen.name) {
    case "details": {
      const item = state.items[state.selected];
      return item ? detailsLines(item, state, fmt) : [];
    }
    case "help":
      return helpLines(state.theme.glyphs, fmt);
    case "problems":
      return problemLines(state.problems, fmt);
    case "error":
      return errorLines(screen.error, fmt);
    case "list":
    case "editor":
      return [];
    default: {
      const unhandled: never = screen;
      throw new Error(`Internal error: unhandled screen ${JSON.stringify(unhandled)}`);
    }
  }
}

function onTick(state: MenuState): MenuState {
  if (state.phase === "hidden") {
    if (state.hiddenDeadline !== undefined && state.now >= state.hiddenDeadline) {
      return chooseSelected(state, { unattended: true });
    }
    return state;
  }
  if (state.countdownDeadline !== undefined && state.now >= state.countdownDeadline) {
    return chooseSelected(state, { unattended: true });
  }
  return state;
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

/**
 * In the hidden menu's key window a digit or hotkey boots its entry directly (systemd-boot's
 * entry_lookup_key from the default entry on); anything else opens the menu. Unlike systemd-boot, a digit
 * past the boot entries opens the menu instead of picking reboot or power off.
 */
function hiddenMenuTarget(state: MenuState, key: Key): number | undefined {
  const c = typedCharacter(key);
  if (c === undefined) return undefined;
  if (c >= "1" && c <= "9") {
    const n = Number(c);
    return n <= state.entryCount ? n - 1 : undefined;
  }
  return findHotkey(state, c, state.selected);
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
      return onErrorKey(s, s.screen, key);
    default: {
      const unhandled: never = s.screen;
      throw new Error(`Internal error: unhandled screen ${JSON.stringify(unhandled)}`);
    }
  }
}

function onListKey(state: MenuState, key: Key): MenuState {
  if (state.confirmFirmware) {
    // Enter confirms; any other key cancels and does nothing else, as in systemd-boot.
    const s = { ...state, confirmFirmware: false, status: undefined };
    return key.name === "enter" ? decide(s, { kind: "firmware-setup" }) : s;
  }
  const s: MenuState = { ...state, status: undefined };
  const last = s.items.length - 1;
  const page = bodyRows(s.terminal);
  const command = menuCommandFor(key);
  switch (command) {
    case "previous":
      return select(s, s.selected - 1);
    case "next":
      return select(s, s.selected + 1);
    case "first":
      return select(s, 0);
    case "last":
      return select(s, last);
    case "page-up":
      return select(s, s.selected - page);
    case "page-down":
      return select(s, s.selected + page);
    case "boot":
      return chooseSelected(s);
    case "help":
      return { ...s, screen: { name: "help", scroll: 0 } };
    case "details":
      return { ...s, screen: { name: "details", scroll: 0 } };
    case "problems":
      return { ...s, screen: { name: "problems", scroll: 0 } };
    case "quit-to-shell":
      // Q must not open a shell the caller left out of the menu (for example under Secure Boot lockdown).
      return s.items.some((i) => i.type === "action" && i.action === "shell")
        ? decide(s, { kind: "shell" })
        : { ...s, status: "The rescue shell is not available." };
    case "poweroff":
      return decide(s, { kind: "poweroff" });
    case "reboot":
      return decide(s, { kind: "reboot" });
    case "toggle-default":
      return toggleDefault(s);
    case "timeout-up":
    case "timeout-down": {
      const timeout = stepTimeout(s.timeout, command === "timeout-up" ? "up" : "down");
      return { ...s, timeout, timeoutEfiVar: timeout, status: timeoutStatusText(timeout) };
    }
    case "edit":
      return openEditor(s);
    case "version":
      return { ...s, status: `ukiboot${s.version ? ` ${s.version}` : ""}` };
    case "redraw":
      return { ...s, redraws: s.redraws + 1 };
    case "firmware-setup":
      return s.items.some((i) => i.type === "action" && i.action === "firmware-setup")
        ? { ...s, confirmFirmware: true, status: "Press Enter to reboot into firmware interface." }
        : { ...s, status: "Reboot into firmware interface not supported." };
    case "back":
      return s;
    case undefined: {
      const c = typedCharacter(key);
      if (c === undefined) return s;
      if (c >= "1" && c <= "9") return select(s, Math.min(Number(c), s.items.length) - 1);
      const found = findHotkey(s, c, s.selected + 1);
      return found === undefined ? s : select(s, found);
    }
    default: {
      const unhandled: never = command;
      throw new Error(`Internal error: unhandled menu command ${String(unhandled)}`);
    }
  }
}

/** `d`: the highlighted entry becomes LoaderEntryDefault, or the default is cleared if it already was. */
function toggleDefault(s: MenuState): MenuState {
  const item = s.items[s.selected];
  if (item?.type !== "entry") return { ...s, status: "This entry cannot be the default." };
  if (s.defaultId === item.id) return { ...s, defaultId: null, status: "Default boot entry cleared." };
  return { ...s, defaultId: item.id, status: "Default boot entry selected." };
}

/** `e`: the editing rules of docs/menu.md §2; the entry says why it is not editable (e.g. Secure Boot). */
function openEditor(s: MenuState): MenuState {
  const item = s.items[s.selected];
  if (!s.editorEnabled || item?.type !== "entry") {
    return { ...s, status: "Entry does not support editing the command line." };
  }
  if (item.entry.editable !== true) return { ...s, status: item.entry.editable.reason };
  const line = lineFromText(item.entry.cmdline);
  const screen = { name: "editor", entryId: item.id, line, viewStart: 0, maxLength: line.chars.length + EDITOR_EXTRA_CHARS } as const;
  return { ...s, screen: { ...screen, viewStart: scrollEditor(screen.viewStart, line, editorFieldWidth(s.terminal)) } };
}

function onEditorKey(s: MenuState, screen: Extract<MenuScreen, { name: "editor" }>, key: Key): MenuState {
  const command = editorCommandFor(key);
  if (command === "abort") return { ...s, screen: { name: "list" } };
  if (command === "accept") return decide(s, { kind: "boot", entryId: screen.entryId, cmdline: lineText(screen.line) });
  let line = screen.line;
  if (command) {
    line = editLine(line, command);
  } else {
    const c = typedCharacter(key);
    if (c === undefined || line.chars.length >= screen.maxLength) return s;
    line = insertChar(line, c);
  }
  const viewStart = scrollEditor(screen.viewStart, line, editorFieldWidth(s.terminal));
  return { ...s, screen: { ...screen, line, viewStart } };
}

/** Keeps the cursor inside the editor field, scrolling sideways only as far as needed. */
function scrollEditor(viewStart: number, line: LineState, width: number): number {
  const w = Math.max(2, width);
  if (line.cursor < viewStart) return line.cursor;
  if (line.cursor > viewStart + w - 1) return line.cursor - w + 1;
  return Math.max(0, Math.min(viewStart, line.chars.length - w + 1));
}

/** The key that opens a view also closes it. */
const VIEW_OPENERS = { details: "details", help: "help", problems: "problems" } as const;

function onViewKey(s: MenuState, screen: Extract<MenuScreen, { name: ScrollView }>, key: Key): MenuState {
  if (menuCommandFor(key) === VIEW_OPENERS[screen.name]) return { ...s, screen: { name: "list" } };
  return scrollView(s, screen, key);
}

function onErrorKey(s: MenuState, screen: Extract<MenuScreen, { name: "error" }>, key: Key): MenuState {
  if (s.now < screen.shownAt + ERROR_KEY_GUARD_MS) return s;
  return scrollView(s, screen, key);
}

function scrollView(s: MenuState, screen: Extract<MenuScreen, { scroll: number }>, key: Key): MenuState {
  const page = bodyRows(s.terminal);
  const command = viewCommandFor(key);
  const to = (scroll: number) => clampScroll({ ...s, screen: { ...screen, scroll } });
  switch (command) {
    case "close":
      return { ...s, screen: { name: "list" } };
    case "scroll-up":
      return to(screen.scroll - 1);
    case "scroll-down":
      return to(screen.scroll + 1);
    case "page-up":
      return to(screen.scroll - page);
    case "page-down":
      return to(screen.scroll + page);
    case "top":
      return to(0);
    case "bottom":
      return to(Number.MAX_SAFE_INTEGER);
    case undefined:
      return s;
    default: {
      const unhandled: never = command;
      throw new Error(`Internal error: unhandled view command ${String(unhandled)}`);
    }
  }
}

/** Moves the highlight (clamped, no wrap-around, as in systemd-boot) and scrolls the list just enough. */
function select(s: MenuState, index: number): MenuState {
  const selected = Math.max(0, Math.min(s.items.length - 1, index));
  return clampScroll({ ...s, selected });
}

/** Keeps the list's highlight and a view's scroll position inside what the terminal shows. */
function clampScroll(s: MenuState): MenuState {
  const page = bodyRows(s.terminal);
  if ("scroll" in s.screen) {
    const max = Math.max(0, viewLines(s).length - page);
    const scroll = Math.max(0, Math.min(max, s.screen.scroll));
    if (scroll !== s.screen.scroll) return { ...s, screen: { ...s.screen, scroll } };
    return s;
  }
  let top = s.scrollTop;
  if (s.selected < top) top = s.selected;
  if (s.selected >= top + page) top = s.selected - page + 1;
  top = Math.max(0, Math.min(top, Math.max(0, s.items.length - page)));
  return top === s.scrollTop ? s : { ...s, scrollTop: top };
}

/** systemd-boot centres the highlight at start when the list is longer than the screen. */
function centeredScrollTop(s: MenuState, index: number): number {
  const page = bodyRows(s.terminal);
  if (s.items.length <= page || index <= page / 2) return 0;
  return Math.min(s.items.length - page, index - Math.floor(page / 2));
}

/** The next item after `from` (cyclically) whose hotkey is `c`. */
function findHotkey(s: MenuState, c: string, from: number): number | undefined {
  const n = s.items.length;
  for (let k = 0; k < n; k++) {
    const i = (from + k) % n;
    const item = s.items[i]!;
    if (item.type === "entry" && item.entry.hotkey === c) return i;
  }
  return undefined;
}

/** Boots (or runs) the highlighted item; with an empty list there is nothing to choose. */
function chooseSelected(s: MenuState, opts: { unattended?: boolean } = {}): MenuState {
  const item = s.items[s.selected];
  if (!item) return { ...s, countdownDeadline: undefined, hiddenDeadline: undefined };
  const choice = itemChoice(item);
  return decide(s, opts.unattended ? unattended(choice) : choice);
}

function itemChoice(item: MenuItem): MenuChoice {
  return item.type === "entry" ? { kind: "boot", entryId: item.id } : { kind: item.action };
}

function decide(s: MenuState, choice: MenuChoice): MenuState {
  return { ...s, phase: "done", countdownDeadline: undefined, hiddenDeadline: undefined, decision: { ...choice, variables: variableChanges(s) } };
}

/** Variables are written once, when the menu is left, and only if they changed (docs/menu.md §1). */
function variableChanges(s: MenuState): MenuVariableChanges {
  const changes: { setDefault?: string | null; setTimeout?: StoredTimeout | null } = {};
  if (s.defaultId !== s.initialDefaultId) changes.setDefault = s.defaultId;
  if (s.timeoutEfiVar !== s.initialTimeoutEfiVar) {
    const t = s.timeoutEfiVar;
    // Stepping never produces menu-disabled, and the variable cannot hold it.
    if (t === "menu-disabled") throw new Error("Internal error: the timeout variable cannot be menu-disabled");
    changes.setTimeout = t === "unset" ? null : t;
  }
  return changes;
}
