import { describe, expect, test } from "bun:test";
import type { EditorCommand } from "../../ui/input/key-bindings.ts";
import { editLine, insertChar, lineFromText, lineText, type LineState } from "../../ui/state/line-editor.ts";

/** "ab|cd" notation: the bar is the cursor. */
function parse(s: string): LineState {
  const at = Array.from(s).indexOf("|");
  const chars = Array.from(s.replace("|", ""));
  return { chars, cursor: at };
}
function show(l: LineState): string {
  return [...l.chars.slice(0, l.cursor), "|", ...l.chars.slice(l.cursor)].join("");
}

describe("editLine() follows systemd-boot's line_edit()", () => {
  const table: [string, EditorCommand, string][] = [
    ["root=/dev/sda1 |quiet", "line-start", "|root=/dev/sda1 quiet"],
    ["root=|/dev/sda1 quiet", "line-end", "root=/dev/sda1 quiet|"],
    ["ab|c", "char-left", "a|bc"],
    ["|abc", "char-left", "|abc"],
    ["ab|c", "char-right", "abc|"],
    ["abc|", "char-right", "abc|"],
    // forward-word: skip spaces, then the word
    ["|ro quiet", "word-right", "ro| quiet"],
    ["ro| quiet", "word-right", "ro quiet|"],
    ["ro|   quiet splash", "word-right", "ro   quiet| splash"],
    ["ro quiet|", "word-right", "ro quiet|"],
    // backward-word: the spaces before the cursor, then to the start of that word
    ["ro quiet|", "word-left", "ro |quiet"],
    ["ro qu|iet", "word-left", "ro |quiet"],
    ["ro |quiet", "word-left", "|ro quiet"],
    ["a  |b", "word-left", "|a  b"],
    ["  |ab", "word-left", "|  ab"],
    ["|ab", "word-left", "|ab"],
    ["ab|c", "delete-back", "a|c"],
    ["|abc", "delete-back", "|abc"],
    ["a|bc", "delete-forward", "a|c"],
    ["abc|", "delete-forward", "abc|"],
    ["ro qu|iet splash", "kill-to-end", "ro qu|"],
    ["ro quiet|", "kill-word-back", "ro |"],
    ["ro quiet |splash", "kill-word-back", "ro |splash"],
    ["|ro quiet", "kill-word-back", "|ro quiet"],
    ["ro| quiet splash", "kill-word-forward", "ro| splash"],
    ["ro |quiet splash", "kill-word-forward", "ro | splash"],
    ["ro quiet|", "kill-word-forward", "ro quiet|"],
    ["ab|c", "accept", "ab|c"],
    ["ab|c", "abort", "ab|c"],
  ];
  for (const [before, command, after] of table) {
    test(`${command}: "${before}" → "${after}"`, () => {
      expect(show(editLine(parse(before), command))).toBe(after);
    });
  }
});

describe("insertChar()", () => {
  test("inserts at the cursor and moves it", () => {
    expect(show(insertChar(parse("ro|quiet"), " "))).toBe("ro |quiet");
  });
  test("a character outside the BMP is one position", () => {
    const l = insertChar(lineFromText("x"), "😀");
    expect(l.cursor).toBe(2);
    expect(show(editLine(l, "char-left"))).toBe("x|😀");
    expect(lineText(editLine(l, "delete-back"))).toBe("x");
  });
});

test("lineFromText() puts the cursor at the end, like the editor opening", () => {
  expect(show(lineFromText("quiet"))).toBe("quiet|");
});
