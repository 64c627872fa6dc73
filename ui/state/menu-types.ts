/** The menu's state, its screens and the actions that change it; the reducer is ui/state/menu-state.ts. */
import type { MenuRequest } from "../../src/ports/chooser.ts";
import type { Key } from "../input/key.ts";
import type { MenuDecision, MenuError, MenuNotice, MenuProblem, TotpHeader } from "../../src/ports/menu.ts";
import type { MenuItem } from "../model/menu-items.ts";
import type { Theme } from "../theme.ts";
import type { ViewLine } from "../views/view-line.ts";
import type { TerminalSize } from "./layout.ts";
import type { LineState } from "./line-editor.ts";
import type { TimeoutValue } from "./timeout-steps.ts";

export type ScrollView = "details" | "help" | "problems";

/** A screen that scrolls keeps the lines it was opened with: a scroll key moves through them, a resize makes them again. */
export type MenuScreen =
  | { readonly name: "list" }
  | { readonly name: ScrollView; readonly scroll: number; readonly lines: readonly ViewLine[] }
  | { readonly name: "editor"; readonly entryId: string; readonly line: LineState; readonly viewStart: number; readonly maxLength: number }
  | { readonly name: "error"; readonly error: MenuError; readonly shownAt: number; readonly scroll: number; readonly lines: readonly ViewLine[] }
  | { readonly name: "notice"; readonly notice: MenuNotice; readonly shownAt: number; readonly scroll: number; readonly lines: readonly ViewLine[] };

export type ScrollScreen = Extract<MenuScreen, { scroll: number }>;
export type EditorScreen = Extract<MenuScreen, { name: "editor" }>;

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
  /** "Seal a TOTP Secret" was chosen: the next key confirms with Enter or cancels. */
  readonly confirmSeal?: boolean;
  /** The header's TOTP line (MenuRequest.totp), asked for at each frame. */
  readonly totp?: () => TotpHeader | undefined;
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

/** What the menu is asked (the chooser port's request), and where and when it is drawn. */
export type MenuStateOptions = MenuRequest & {
  readonly now: number;
  readonly terminal: TerminalSize;
  readonly theme: Theme;
};
