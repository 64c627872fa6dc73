/**
 * Key: one key press as the menu sees it, after the terminal's byte stream has been split into key
 * sequences (ui/input/key-splitter.ts). Modifier names follow xterm's CSI modifier parameter.
 */

export type FunctionKeyName = "f1" | "f2" | "f3" | "f4" | "f5" | "f6" | "f7" | "f8" | "f9" | "f10" | "f11" | "f12";

export type KeyName =
  /** A printable character, or a control character reported as `ctrl` + its letter. */
  | "char"
  | "enter"
  | "escape"
  | "backspace"
  | "delete"
  | "insert"
  | "tab"
  | "up"
  | "down"
  | "left"
  | "right"
  | "home"
  | "end"
  | "pageup"
  | "pagedown"
  | FunctionKeyName
  /** A sequence the splitter recognised as one unit but does not know; the menu ignores it. */
  | "unknown";

export interface Key {
  readonly name: KeyName;
  /** For `char`: the character (one code point). Ctrl-A is `{name: "char", char: "a", ctrl: true}`. */
  readonly char?: string;
  readonly ctrl: boolean;
  /** Alt or Meta: an ESC prefix, or the CSI modifier bit. */
  readonly alt: boolean;
  readonly shift: boolean;
  /** The bytes (as text) that produced the key, for logs and tests. */
  readonly sequence: string;
}

/** Builds a Key; modifiers default to false. */
export function makeKey(name: KeyName, sequence: string, opts: { char?: string; ctrl?: boolean; alt?: boolean; shift?: boolean } = {}): Key {
  const key: Key = {
    name,
    ctrl: opts.ctrl ?? false,
    alt: opts.alt ?? false,
    shift: opts.shift ?? false,
    sequence,
    ...(opts.char === undefined ? {} : { char: opts.char }),
  };
  return key;
}

/** A short human-readable name ("Ctrl-A", "Alt-Up", "x"), for logs and test names. */
export function describeKey(key: Key): string {
  const base = key.name === "char" ? (key.char === " " ? "Space" : (key.char ?? "?")) : key.name;
  const mods = `${key.ctrl ? "Ctrl-" : ""}${key.alt ? "Alt-" : ""}${key.shift ? "Shift-" : ""}`;
  return key.name === "unknown" ? `unknown(${JSON.stringify(key.sequence)})` : mods + base;
}
