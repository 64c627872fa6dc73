/**
 * The key splitter: turns the text read from a terminal into whole key sequences (ECMA-48 CSI and SS3,
 * the xterm, vt220, rxvt and Linux-console variants, ESC-prefixed Alt keys, C0 controls, UTF-8 characters),
 * so that a burst such as "↓↓⏎" in one read is three keys, and no part of an unknown sequence is ever typed.
 */
import { type FunctionKeyName, type Key, type KeyName, makeKey } from "./key.ts";

export interface KeySplitter {
  /** Splits one chunk; an incomplete sequence at its end is held back for the next push or flush. */
  push(chunk: string): Key[];
  /** True when bytes are held back; the caller flushes them after a short quiet time (a lone ESC). */
  hasPending(): boolean;
  /** Completes what is held back: a lone ESC becomes the Esc key. */
  flush(): Key[];
}

const ESC = "\x1b";
/** Longer CSI sequences are not keys; cutting them off keeps a stray ESC from eating the input. */
const MAX_SEQUENCE_LENGTH = 32;

/** vt220 `CSI n ~` codes; 1/4 are the Linux console's Home/End and 7/8 rxvt's. */
const TILDE_KEYS: Record<number, KeyName> = {
  1: "home",
  2: "insert",
  3: "delete",
  4: "end",
  5: "pageup",
  6: "pagedown",
  7: "home",
  8: "end",
  11: "f1",
  12: "f2",
  13: "f3",
  14: "f4",
  15: "f5",
  17: "f6",
  18: "f7",
  19: "f8",
  20: "f9",
  21: "f10",
  23: "f11",
  24: "f12",
};

/** Final bytes shared by CSI (`ESC [ 1;m X`) and SS3 (`ESC O X`). */
const CURSOR_FINALS: Record<string, KeyName> = {
  A: "up",
  B: "down",
  C: "right",
  D: "left",
  H: "home",
  F: "end",
  P: "f1",
  Q: "f2",
  R: "f3",
  S: "f4",
};

/** The Linux console's F1–F5: `ESC [ [ A` … `ESC [ [ E`. */
const LINUX_FKEYS: Record<string, FunctionKeyName> = { A: "f1", B: "f2", C: "f3", D: "f4", E: "f5" };

/** Keypad keys in application mode (`ESC O p` … `ESC O y`, `ESC O k` for +, …) are the characters they show. */
const SS3_KEYPAD: Record<string, string> = {
  j: "*",
  k: "+",
  l: ",",
  m: "-",
  n: ".",
  o: "/",
  p: "0",
  q: "1",
  r: "2",
  s: "3",
  t: "4",
  u: "5",
  v: "6",
  w: "7",
  x: "8",
  y: "9",
  X: "=",
};

/** rxvt reports Ctrl-arrows as `ESC O a`…`d` and Shift-arrows as `ESC [ a`…`d`. */
const RXVT_ARROWS: Record<string, KeyName> = { a: "up", b: "down", c: "right", d: "left" };

/** Result of trying to read one sequence at `i`: a key and where the next one starts, or "need more bytes". */
type Step = { key: Key | undefined; next: number } | "incomplete";

export function createKeySplitter(): KeySplitter {
  let pending = "";
  /** A CR was the last byte: a directly following LF belongs to the same Enter (terminals sending CRLF). */
  let afterCr = false;

  function run(text: string, final: boolean): Key[] {
    const keys: Key[] = [];
    let i = 0;
    while (i < text.length) {
      const step = readOne(text, i, final);
      if (step === "incomplete") {
        pending = text.slice(i);
        return keys;
      }
      const seq = text.slice(i, step.next);
      if (afterCr && seq === "\n") {
        afterCr = false;
      } else {
        afterCr = seq === "\r";
        if (step.key) keys.push(step.key);
      }
      i = step.next;
    }
    pending = "";
    return keys;
  }

  return {
    push(chunk) {
      return run(pending + chunk, false);
    },
    hasPending() {
      return pending.length > 0;
    },
    flush() {
      return pending ? run(pending, true) : [];
    },
  };
}

/** Reads the sequence starting at `i`. With `final`, nothing more will arrive, so a prefix is completed. */
function readOne(text: string, i: number, final: boolean): Step {
  const c = text[i]!;
  if (c === ESC) return readEscape(text, i, final);
  const cp = text.codePointAt(i)!;
  const width = cp > 0xffff ? 2 : 1;
  const seq = text.slice(i, i + width);
  return { key: keyForCharacter(cp, seq), next: i + width };
}

function keyForCharacter(cp: number, seq: string, alt = false): Key {
  if (cp === 0x0d || cp === 0x0a) return makeKey("enter", seq, { alt });
  if (cp === 0x09) return makeKey("tab", seq, { alt });
  if (cp === 0x7f || cp === 0x08) return makeKey("backspace", seq, { alt });
  if (cp === 0x00) return makeKey("char", seq, { char: " ", ctrl: true, alt });
  // Ctrl-A … Ctrl-Z are 0x01–0x1a; Ctrl-\ ] ^ _ are 0x1c–0x1f.
  if (cp <= 0x1a) return makeKey("char", seq, { char: String.fromCharCode(cp + 0x60), ctrl: true, alt });
  if (cp < 0x20) return makeKey("char", seq, { char: String.fromCharCode(cp + 0x40), ctrl: true, alt });
  // C1 controls, lone surrogates and U+FFFD (bytes that were not UTF-8, e.g. line noise at the wrong baud rate)
  // are never characters a person typed.
  if ((cp >= 0x80 && cp < 0xa0) || (cp >= 0xd800 && cp <= 0xdfff) || cp === 0xfffd) return makeKey("unknown", seq);
  return makeKey("char", seq, { char: seq, alt });
}

function readEscape(text: string, i: number, final: boolean): Step {
  if (i + 1 >= text.length) {
    return final ? { key: makeKey("escape", ESC), next: i + 1 } : "incomplete";
  }
  const c = text[i + 1]!;
  if (c === "[") return readCsi(text, i, final);
  if (c === "O") return readSs3(text, i, final);
  if (c === ESC) return { key: makeKey("escape", ESC), next: i + 1 };
  const cp = text.codePointAt(i + 1)!;
  if (cp === 0x7f || cp === 0x08) return { key: makeKey("backspace", text.slice(i, i + 2), { alt: true }), next: i + 2 };
  // ESC followed by another control (Enter, Tab, Ctrl-x) is two presses, not Alt: a person pressing Esc and
  // then Enter on a slow serial line must not get a different key.
  if (cp < 0x20) return { key: makeKey("escape", ESC), next: i + 1 };
  const width = cp > 0xffff ? 2 : 1;
  const seq = text.slice(i, i + 1 + width);
  const inner = keyForCharacter(cp, text.slice(i + 1, i + 1 + width), true);
  return { key: inner.name === "unknown" ? makeKey("unknown", seq) : { ...inner, sequence: seq }, next: i + 1 + width };
}

/** `ESC [` parameters (0x30–0x3F) intermediates (0x20–0x2F) final (0x40–0x7E), plus the Linux `ESC [ [ X`. */
function readCsi(text: string, i: number, final: boolean): Step {
  let j = i + 2;
  if (j >= text.length) return final ? { key: makeKey("char", "\x1b[", { char: "[", alt: true }), next: j } : "incomplete";
  if (text[j] === "[") {
    if (j + 1 >= text.length) return final ? { key: makeKey("unknown", text.slice(i)), next: text.length } : "incomplete";
    const fkey = LINUX_FKEYS[text[j + 1]!];
    const seq = text.slice(i, j + 2);
    return { key: fkey ? makeKey(fkey, seq) : makeKey("unknown", seq), next: j + 2 };
  }
  let params = "";
  while (j < text.length) {
    const b = text.charCodeAt(j);
    if (j - i >= MAX_SEQUENCE_LENGTH) return { key: makeKey("unknown", text.slice(i, j)), next: j };
    if (b >= 0x30 && b <= 0x3f) {
      params += text[j];
      j++;
      continue;
    }
    // rxvt ends Shift-modified vt220 keys with "$", which ECMA-48 counts as an intermediate byte.
    if (text[j] === "$" && /^\d+$/.test(params)) {
      return { key: csiKey(params, "$", text.slice(i, j + 1)), next: j + 1 };
    }
    if (b >= 0x20 && b <= 0x2f) {
      j++;
      continue;
    }
    if (b >= 0x40 && b <= 0x7e) {
      return { key: csiKey(params, text[j]!, text.slice(i, j + 1)), next: j + 1 };
    }
    // Any other byte cannot be part of a CSI: drop what we have and let that byte be read on its own.
    return { key: makeKey("unknown", text.slice(i, j)), next: j };
  }
  return final ? { key: makeKey("unknown", text.slice(i)), next: text.length } : "incomplete";
}

/** xterm's modifier parameter m encodes 1 + (Shift 1 | Alt 2 | Ctrl 4 | Meta 8). */
function modifiers(m: number | undefined): { shift: boolean; alt: boolean; ctrl: boolean } {
  const bits = m === undefined || m < 1 ? 0 : m - 1;
  return { shift: (bits & 1) !== 0, alt: (bits & 2) !== 0 || (bits & 8) !== 0, ctrl: (bits & 4) !== 0 };
}

function csiKey(params: string, finalByte: string, seq: string): Key {
  if (!/^[\d;]*$/.test(params)) return makeKey("unknown", seq);
  const nums = params === "" ? [] : params.split(";").map((p) => (p === "" ? undefined : Number(p)));
  const [p1, p2] = nums;
  if (nums.length > 2) return makeKey("unknown", seq);
  if (finalByte === "~" || finalByte === "^" || finalByte === "$" || finalByte === "@") {
    const name = p1 === undefined ? undefined : TILDE_KEYS[p1];
    if (!name) return makeKey("unknown", seq);
    const mods = modifiers(p2);
    // rxvt: "^" is Ctrl, "$" is Shift, "@" is Ctrl-Shift.
    if (finalByte === "^" || finalByte === "@") mods.ctrl = true;
    if (finalByte === "$" || finalByte === "@") mods.shift = true;
    return makeKey(name, seq, mods);
  }
  if (finalByte === "Z" && nums.length === 0) return makeKey("tab", seq, { shift: true });
  const rxvt = RXVT_ARROWS[finalByte];
  if (rxvt && nums.length === 0) return makeKey(rxvt, seq, { shift: true });
  const name = CURSOR_FINALS[finalByte];
  // Only "CSI X" and "CSI 1;m X" are keys: "CSI 24;80 R" is a cursor position report, not Shift-F3.
  if (name && (nums.length === 0 || (p1 === 1 && nums.length === 2))) return makeKey(name, seq, modifiers(p2));
  return makeKey("unknown", seq);
}

/** `ESC O X`, also `ESC O m X` with a modifier digit as some terminals send for F1–F4. */
function readSs3(text: string, i: number, final: boolean): Step {
  let j = i + 2;
  if (j >= text.length) return final ? { key: makeKey("char", "\x1bO", { char: "O", alt: true }), next: j } : "incomplete";
  let digits = "";
  while (j < text.length && /\d/.test(text[j]!) && digits.length < 2) digits += text[j++];
  if (j >= text.length) return final ? { key: makeKey("unknown", text.slice(i)), next: text.length } : "incomplete";
  const c = text[j]!;
  const seq = text.slice(i, j + 1);
  const mods = modifiers(digits === "" ? undefined : Number(digits));
  const name = CURSOR_FINALS[c];
  if (name) return { key: makeKey(name, seq, mods), next: j + 1 };
  if (c === "M") return { key: makeKey("enter", seq, mods), next: j + 1 };
  const rxvt = RXVT_ARROWS[c];
  if (rxvt && digits === "") return { key: makeKey(rxvt, seq, { ctrl: true }), next: j + 1 };
  const keypad = SS3_KEYPAD[c];
  if (keypad && digits === "") return { key: makeKey("char", seq, { char: keypad }), next: j + 1 };
  const b = c.charCodeAt(0);
  // A final byte we do not know is still one unit; any other byte is read again on its own.
  if (b >= 0x40 && b <= 0x7e) return { key: makeKey("unknown", seq), next: j + 1 };
  return { key: makeKey("unknown", text.slice(i, j)), next: j };
}
