import { describe, expect, test } from "bun:test";
import { describeKey, type Key } from "../../ui/input/key.ts";
import { createKeySplitter } from "../../ui/input/key-splitter.ts";

/** Pushes each chunk, then flushes, and names the keys. */
function split(...chunks: string[]): string[] {
  const splitter = createKeySplitter();
  const keys: Key[] = [];
  for (const chunk of chunks) keys.push(...splitter.push(chunk));
  keys.push(...splitter.flush());
  return keys.map(describeKey);
}

describe("createKeySplitter() single keys", () => {
  // [bytes, expected, terminal that sends it]
  const table: [string, string[], string][] = [
    ["\x1b[A", ["up"], "CSI (xterm normal cursor mode, linux console)"],
    ["\x1b[B", ["down"], "CSI"],
    ["\x1b[C", ["right"], "CSI"],
    ["\x1b[D", ["left"], "CSI"],
    ["\x1bOA", ["up"], "SS3 (xterm application cursor mode)"],
    ["\x1bOB", ["down"], "SS3"],
    ["\x1bOC", ["right"], "SS3"],
    ["\x1bOD", ["left"], "SS3"],
    ["\x1b[H", ["home"], "xterm"],
    ["\x1b[F", ["end"], "xterm"],
    ["\x1bOH", ["home"], "xterm application mode"],
    ["\x1bOF", ["end"], "xterm application mode"],
    ["\x1b[1~", ["home"], "linux console, screen, vt220"],
    ["\x1b[4~", ["end"], "linux console, screen, vt220"],
    ["\x1b[7~", ["home"], "rxvt"],
    ["\x1b[8~", ["end"], "rxvt"],
    ["\x1b[2~", ["insert"], "vt220"],
    ["\x1b[3~", ["delete"], "vt220"],
    ["\x1b[5~", ["pageup"], "vt220"],
    ["\x1b[6~", ["pagedown"], "vt220"],
    ["\x1bOP", ["f1"], "xterm, vt100 PF1"],
    ["\x1bOQ", ["f2"], "xterm"],
    ["\x1bOR", ["f3"], "xterm"],
    ["\x1bOS", ["f4"], "xterm"],
    ["\x1b[11~", ["f1"], "rxvt, old xterm"],
    ["\x1b[12~", ["f2"], "rxvt"],
    ["\x1b[15~", ["f5"], "vt220"],
    ["\x1b[17~", ["f6"], "vt220"],
    ["\x1b[21~", ["f10"], "vt220"],
    ["\x1b[24~", ["f12"], "vt220"],
    ["\x1b[[A", ["f1"], "linux console"],
    ["\x1b[[B", ["f2"], "linux console"],
    ["\x1b[[E", ["f5"], "linux console"],
    ["\x1b[1;5C", ["Ctrl-right"], "xterm modifier 5 = Ctrl"],
    ["\x1b[1;5D", ["Ctrl-left"], "xterm"],
    ["\x1b[1;3A", ["Alt-up"], "xterm modifier 3 = Alt"],
    ["\x1b[1;2B", ["Shift-down"], "xterm modifier 2 = Shift"],
    ["\x1b[3;5~", ["Ctrl-delete"], "xterm"],
    ["\x1b[1;2P", ["Shift-f1"], "xterm"],
    ["\x1b[Z", ["Shift-tab"], "xterm back-tab"],
    ["\x1bOa", ["Ctrl-up"], "rxvt"],
    ["\x1b[a", ["Shift-up"], "rxvt"],
    ["\x1b[3^", ["Ctrl-delete"], "rxvt"],
    ["\x1b[5$", ["Shift-pageup"], "rxvt"],
    ["\x1bOM", ["enter"], "keypad Enter in application mode"],
    ["\x1bOk", ["+"], "keypad + in application mode"],
    ["\x1bOm", ["-"], "keypad - in application mode"],
    ["\x1bOq", ["1"], "keypad 1 in application mode"],
    ["\r", ["enter"], "CR"],
    ["\n", ["enter"], "LF"],
    ["\r\n", ["enter"], "CRLF from a terminal set to send CRLF: one key"],
    ["\t", ["tab"], ""],
    ["\x7f", ["backspace"], "DEL (most terminals)"],
    ["\x08", ["backspace"], "BS (vt100, some serial terminals)"],
    ["\x01", ["Ctrl-a"], ""],
    ["\x05", ["Ctrl-e"], ""],
    ["\x0b", ["Ctrl-k"], ""],
    ["\x17", ["Ctrl-w"], ""],
    ["\x0c", ["Ctrl-l"], ""],
    ["\x03", ["Ctrl-c"], ""],
    ["\x00", ["Ctrl-Space"], "NUL"],
    ["\x1f", ["Ctrl-_"], ""],
    ["\x1b", ["escape"], "lone ESC, completed by flush()"],
    ["\x1bb", ["Alt-b"], "Alt as ESC prefix"],
    ["\x1bd", ["Alt-d"], ""],
    ["\x1b<", ["Alt-<"], ""],
    ["\x1b>", ["Alt->"], ""],
    ["\x1b\x7f", ["Alt-backspace"], ""],
    ["\x1b\x08", ["Alt-backspace"], ""],
    ["\x1b\x1b", ["escape", "escape"], "two ESC presses in one read"],
    ["\x1b\r", ["escape", "enter"], "ESC then Enter"],
    ["a", ["a"], ""],
    ["K", ["K"], "upper case stays a char, no shift flag"],
    [" ", ["Space"], ""],
    ["é", ["é"], "UTF-8 two bytes"],
    ["€", ["€"], "UTF-8 three bytes"],
    ["😀", ["😀"], "UTF-8 four bytes: one code point, not two surrogates"],
    ["\x1b[I", ['unknown("\\u001b[I")'], "focus-in report"],
    ["\x1b[24;80R", ['unknown("\\u001b[24;80R")'], "cursor position report, not Shift-F3"],
    ["\x1b[200~", ['unknown("\\u001b[200~")'], "bracketed paste start"],
    ["\x1b[99~", ['unknown("\\u001b[99~")'], "unassigned ~ code"],
    ["\x1bOz", ['unknown("\\u001bOz")'], "unassigned SS3"],
    ["\ufffd", ['unknown("�")'], "replacement character: line noise that failed UTF-8 decoding"],
    ["\u009b", ['unknown("\u009b")'], "C1 control"],
  ];
  for (const [bytes, expected, note] of table) {
    test(`${JSON.stringify(bytes)} → ${expected.join(" ")}${note ? ` (${note})` : ""}`, () => {
      expect(split(bytes)).toEqual(expected);
    });
  }
});

describe("createKeySplitter() bursts", () => {
  test("↓↓⏎ in one read gives three keys", () => {
    expect(split("\x1b[B\x1b[B\r")).toEqual(["down", "down", "enter"]);
  });

  test("mixed CSI, SS3, chars and controls in one read", () => {
    expect(split("j\x1bOBk\x1b[1;5C\x7fx\r")).toEqual(["j", "down", "k", "Ctrl-right", "backspace", "x", "enter"]);
  });

  test("a sequence split across reads is reassembled", () => {
    expect(split("\x1b", "[", "B")).toEqual(["down"]);
    expect(split("\x1b[1;", "5C")).toEqual(["Ctrl-right"]);
    expect(split("\x1bO", "A")).toEqual(["up"]);
    expect(split("\x1b[", "[A")).toEqual(["f1"]);
  });

  test("CR at the end of one read and LF at the start of the next is one Enter", () => {
    expect(split("\r", "\nj")).toEqual(["enter", "j"]);
  });

  test("two CRs are two Enters, LF after another key is an Enter", () => {
    expect(split("\r\r")).toEqual(["enter", "enter"]);
    expect(split("x\n")).toEqual(["x", "enter"]);
  });

  test("unknown sequences are one unit and do not leak their letters", () => {
    expect(split("\x1b[I\x1b[Oj")).toEqual(['unknown("\\u001b[I")', 'unknown("\\u001b[O")', "j"]);
  });

  test("a CSI interrupted by a control byte is dropped as unknown and the control byte is kept", () => {
    expect(split("\x1b[1;\rj")).toEqual(['unknown("\\u001b[1;")', "enter", "j"]);
  });

  test("an over-long CSI is cut off as unknown instead of swallowing the input", () => {
    const keys = split(`\x1b[${"1;".repeat(40)}Aj`);
    expect(keys[0]).toStartWith("unknown(");
    expect(keys.at(-1)).toBe("j");
    expect(keys).not.toContain("up");
  });
});

describe("createKeySplitter() pending ESC", () => {
  test("push() holds back a trailing ESC and hasPending() says so", () => {
    const s = createKeySplitter();
    expect(s.push("j\x1b").map(describeKey)).toEqual(["j"]);
    expect(s.hasPending()).toBe(true);
    expect(s.flush().map(describeKey)).toEqual(["escape"]);
    expect(s.hasPending()).toBe(false);
    expect(s.flush()).toEqual([]);
  });

  test("flush() turns an unfinished introducer into Alt-[ or Alt-O, and a partial CSI into unknown", () => {
    expect(split("\x1b[")).toEqual(["Alt-["]);
    expect(split("\x1bO")).toEqual(["Alt-O"]);
    expect(split("\x1b[1;")).toEqual(['unknown("\\u001b[1;")']);
  });

  test("an ESC followed later by a letter is Alt-letter (terminal ambiguity, resolved by the flush timer)", () => {
    expect(split("\x1b", "f")).toEqual(["Alt-f"]);
  });

  test("keys carry their bytes", () => {
    const s = createKeySplitter();
    expect(s.push("\x1b[1;5Cx").map((k) => k.sequence)).toEqual(["\x1b[1;5C", "x"]);
  });
});
