/**
 * The command-line editor's text operations, as systemd-boot's line_edit() does them
 * (docs/menu.md §2): a word is a run of non-space characters, and positions count code points.
 */
import type { EditorCommand } from "../input/key-bindings.ts";

export interface LineState {
  /** The line as code points, so that the cursor never lands inside a surrogate pair. */
  readonly chars: readonly string[];
  /** 0 … chars.length. */
  readonly cursor: number;
}

export function lineFromText(text: string): LineState {
  const chars = Array.from(text);
  return { chars, cursor: chars.length };
}

export function lineText(line: LineState): string {
  return line.chars.join("");
}

/** Inserts one character at the cursor. */
export function insertChar(line: LineState, char: string): LineState {
  const chars = [...line.chars.slice(0, line.cursor), char, ...line.chars.slice(line.cursor)];
  return { chars, cursor: line.cursor + 1 };
}

/** Applies an editing command; abort and accept do not change the line and are handled by the caller. */
export function editLine(line: LineState, command: EditorCommand): LineState {
  const { chars, cursor } = line;
  switch (command) {
    case "abort":
    case "accept":
      return line;
    case "line-start":
      return { chars, cursor: 0 };
    case "line-end":
      return { chars, cursor: chars.length };
    case "char-left":
      return { chars, cursor: Math.max(0, cursor - 1) };
    case "char-right":
      return { chars, cursor: Math.min(chars.length, cursor + 1) };
    case "word-left":
      return { chars, cursor: wordStartBefore(chars, cursor) };
    case "word-right":
      return { chars, cursor: wordEndAfter(chars, cursor) };
    case "delete-back":
      if (cursor === 0) return line;
      return { chars: [...chars.slice(0, cursor - 1), ...chars.slice(cursor)], cursor: cursor - 1 };
    case "delete-forward":
      if (cursor === chars.length) return line;
      return { chars: [...chars.slice(0, cursor), ...chars.slice(cursor + 1)], cursor };
    case "kill-to-end":
      return { chars: chars.slice(0, cursor), cursor };
    case "kill-word-back": {
      const start = wordStartBefore(chars, cursor);
      return { chars: [...chars.slice(0, start), ...chars.slice(cursor)], cursor: start };
    }
    case "kill-word-forward": {
      const end = wordEndAfter(chars, cursor);
      return { chars: [...chars.slice(0, cursor), ...chars.slice(end)], cursor };
    }
    default: {
      const unhandled: never = command;
      throw new Error(`Internal error: unhandled editor command ${String(unhandled)}`);
    }
  }
}

/** forward-word: skip spaces, then skip the word. */
function wordEndAfter(chars: readonly string[], cursor: number): number {
  let i = cursor;
  while (i < chars.length && chars[i] === " ") i++;
  while (i < chars.length && chars[i] !== " ") i++;
  return i;
}

/** backward-word: step back over the spaces before the cursor, then to the start of that word. */
function wordStartBefore(chars: readonly string[], cursor: number): number {
  let i = cursor;
  while (i > 0 && chars[i - 1] === " ") i--;
  while (i > 0 && chars[i - 1] !== " ") i--;
  return i;
}
