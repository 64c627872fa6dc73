/** The command-line editor (`e`): opening it by the editing rules of docs/menu.md §2, and its keys. */
import { editorCommandFor, typedCharacter } from "../input/key-bindings.ts";
import type { Key } from "../input/key.ts";
import { editorFieldWidth } from "./layout.ts";
import { editLine, insertChar, type LineState, lineFromText, lineText } from "./line-editor.ts";
import { decide } from "./menu-decision.ts";
import type { EditorScreen, MenuState } from "./menu-types.ts";

/** systemd-boot lets the edited line grow by this much. */
const EDITOR_EXTRA_CHARS = 1024;

/** `e`: the entry says why it is not editable (e.g. Secure Boot). */
export function openEditor(s: MenuState): MenuState {
  const item = s.items[s.selected];
  if (!s.editorEnabled || item?.type !== "entry") {
    return { ...s, status: "Entry does not support editing the command line." };
  }
  if (item.entry.editable !== true) return { ...s, status: item.entry.editable.reason };
  const line = lineFromText(item.entry.cmdline);
  const screen = { name: "editor", entryId: item.id, line, viewStart: 0, maxLength: line.chars.length + EDITOR_EXTRA_CHARS } as const;
  return { ...s, screen: { ...screen, viewStart: scrollEditor(screen.viewStart, line, editorFieldWidth(s.terminal)) } };
}

export function onEditorKey(s: MenuState, screen: EditorScreen, key: Key): MenuState {
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
