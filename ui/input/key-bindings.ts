/**
 * Key bindings as data: which keys mean which menu or editor command, following systemd-boot 257's menu
 * and line editor (docs/menu.md §1, docs/menu.md §2). Components and the reducer ask "what does this key
 * mean", never "is this \r".
 */
import type { Key, KeyName } from "./key.ts";

/** One way to press a command: a key name, for `char` the character, and the modifiers that must be held. */
interface Binding {
  name: KeyName;
  char?: string;
  ctrl?: boolean;
  alt?: boolean;
}

export type MenuCommand =
  | "previous"
  | "next"
  | "first"
  | "last"
  | "page-up"
  | "page-down"
  | "boot"
  | "help"
  | "quit-to-shell"
  | "toggle-default"
  | "timeout-down"
  | "timeout-up"
  | "edit"
  | "version"
  | "details"
  | "problems"
  | "redraw"
  | "firmware-setup"
  | "poweroff"
  | "reboot"
  | "back";

export type EditorCommand =
  | "abort"
  | "accept"
  | "line-start"
  | "line-end"
  | "char-left"
  | "char-right"
  | "word-left"
  | "word-right"
  | "delete-back"
  | "delete-forward"
  | "kill-to-end"
  | "kill-word-back"
  | "kill-word-forward";

/** Views that scroll (details, help, problems, error) share these. */
export type ViewCommand = "close" | "scroll-up" | "scroll-down" | "page-up" | "page-down" | "top" | "bottom";

const ch = (char: string, mods: { ctrl?: boolean; alt?: boolean } = {}): Binding => ({ name: "char", char, ...mods });
const named = (name: KeyName, mods: { ctrl?: boolean; alt?: boolean } = {}): Binding => ({ name, ...mods });

/** systemd-boot's menu keys; `back` (Esc) and `problems` (w) are ukiboot's. */
export const MENU_BINDINGS: Readonly<Record<MenuCommand, readonly Binding[]>> = {
  previous: [named("up"), ch("k"), ch("K")],
  next: [named("down"), ch("j"), ch("J")],
  first: [named("home"), ch("<", { alt: true })],
  last: [named("end"), ch(">", { alt: true })],
  "page-up": [named("pageup")],
  "page-down": [named("pagedown")],
  boot: [named("enter"), named("right"), named("f3")],
  help: [ch("h"), ch("H"), ch("?"), named("f1")],
  // systemd-boot's Q returns to the firmware; a kexec loader has none to return to, so Q opens the shell.
  "quit-to-shell": [ch("Q")],
  "toggle-default": [ch("d"), ch("D")],
  "timeout-down": [ch("-"), ch("T")],
  "timeout-up": [ch("+"), ch("t")],
  edit: [ch("e"), ch("E")],
  version: [ch("v")],
  details: [ch("p"), ch("P")],
  problems: [ch("w"), ch("W")],
  redraw: [ch("l", { ctrl: true }), ch("L")],
  // systemd-boot also binds Esc here (HP firmware's key); ukiboot keeps Esc for "back", as the menu's other views use it.
  "firmware-setup": [ch("f"), ch("F"), named("f2"), named("f10"), named("delete")],
  // Upper case only, so a stray key on a serial line cannot switch the machine off.
  poweroff: [ch("O")],
  reboot: [ch("B")],
  back: [named("escape")],
};

export const EDITOR_BINDINGS: Readonly<Record<EditorCommand, readonly Binding[]>> = {
  abort: [named("escape"), ch("c", { ctrl: true }), ch("g", { ctrl: true })],
  accept: [named("enter"), named("f3")],
  "line-start": [named("home"), ch("a", { ctrl: true })],
  "line-end": [named("end"), ch("e", { ctrl: true })],
  "char-left": [named("left"), ch("b", { ctrl: true })],
  "char-right": [named("right"), ch("f", { ctrl: true })],
  "word-left": [named("up"), ch("b", { alt: true }), named("left", { ctrl: true })],
  "word-right": [named("down"), ch("f", { alt: true }), named("right", { ctrl: true })],
  "delete-back": [named("backspace")],
  "delete-forward": [named("delete"), ch("d", { ctrl: true })],
  "kill-to-end": [ch("k", { ctrl: true })],
  "kill-word-back": [ch("w", { ctrl: true }), named("backspace", { alt: true })],
  "kill-word-forward": [named("delete", { ctrl: true }), ch("d", { alt: true })],
};

export const VIEW_BINDINGS: Readonly<Record<ViewCommand, readonly Binding[]>> = {
  close: [named("escape"), named("enter"), named("left"), ch("q"), ch("Q")],
  "scroll-up": [named("up"), ch("k")],
  "scroll-down": [named("down"), ch("j")],
  "page-up": [named("pageup")],
  "page-down": [named("pagedown"), ch(" ")],
  top: [named("home")],
  bottom: [named("end")],
};

/** Shift is ignored: Shift-Up is Up. Ctrl and Alt must match exactly, so Alt-O is not O (power off). */
export function matchesBinding(key: Key, b: Binding): boolean {
  if (key.name !== b.name) return false;
  if (b.char !== undefined && key.char !== b.char) return false;
  return key.ctrl === (b.ctrl ?? false) && key.alt === (b.alt ?? false);
}

function lookup<C extends string>(table: Readonly<Record<C, readonly Binding[]>>, key: Key): C | undefined {
  for (const [command, bindings] of Object.entries(table) as [C, readonly Binding[]][]) {
    if (bindings.some((b) => matchesBinding(key, b))) return command;
  }
  return undefined;
}

export function menuCommandFor(key: Key): MenuCommand | undefined {
  return lookup(MENU_BINDINGS, key);
}

export function editorCommandFor(key: Key): EditorCommand | undefined {
  return lookup(EDITOR_BINDINGS, key);
}

export function viewCommandFor(key: Key): ViewCommand | undefined {
  return lookup(VIEW_BINDINGS, key);
}

/** The character a key types into the editor: printable, no Ctrl or Alt. Tab is not typed, as in systemd-boot. */
export function typedCharacter(key: Key): string | undefined {
  return key.name === "char" && !key.ctrl && !key.alt && key.char !== undefined ? key.char : undefined;
}
