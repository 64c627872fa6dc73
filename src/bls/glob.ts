/**
 * systemd-boot's glob matcher for `default`, the EFI-variable patterns and `preferred`
 * (docs/order-and-default.md §6): `?`, `*`, `\x` and `[...]` sets, matched without backtracking.
 * Callers lower-case both sides; the matcher itself is case-sensitive.
 */

type Token = { kind: "any" } | { kind: "char"; ch: string } | { kind: "set"; singles: string[]; ranges: [string, string][] };

/** A pattern cut at its runs of `*`, or null when it is malformed (an unterminated `[`). */
function compile(pattern: string): Token[][] | null {
  const segments: Token[][] = [[]];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "*") {
      while (pattern[i] === "*") i++;
      segments.push([]);
      continue;
    }
    const seg = segments[segments.length - 1]!;
    if (c === "?") {
      seg.push({ kind: "any" });
      i++;
    } else if (c === "\\") {
      if (i + 1 >= pattern.length) return null;
      seg.push({ kind: "char", ch: pattern[i + 1]! });
      i += 2;
    } else if (c === "[") {
      const set = compileSet(pattern, i + 1);
      if (!set) return null;
      seg.push(set.token);
      i = set.next;
    } else {
      seg.push({ kind: "char", ch: c });
      i++;
    }
  }
  return segments;
}

/** Parses a set starting after `[`; returns the index after its `]`. */
function compileSet(p: string, start: number): { token: Token; next: number } | null {
  const singles: string[] = [];
  const ranges: [string, string][] = [];
  let i = start;
  // A `]` right after `[` is a member, not the end.
  let first = true;
  for (;;) {
    if (i >= p.length) return null;
    let c = p[i]!;
    if (c === "]" && !first) return { token: { kind: "set", singles, ranges }, next: i + 1 };
    first = false;
    if (c === "\\") {
      if (i + 1 >= p.length) return null;
      c = p[i + 1]!;
      i += 2;
    } else i++;
    // `c-d` is a range unless the `-` is the last member; ranges do not chain ([a-c-f] = {a..c, -, f}).
    if (p[i] === "-" && i + 1 < p.length && p[i + 1] !== "]") {
      let d = p[i + 1]!;
      i += 2;
      if (d === "\\") {
        if (i >= p.length) return null;
        d = p[i]!;
        i++;
      }
      ranges.push([c, d]);
    } else singles.push(c);
  }
}

function tokenMatches(t: Token, ch: string): boolean {
  switch (t.kind) {
    case "any":
      return true;
    case "char":
      return t.ch === ch;
    case "set":
      return t.singles.includes(ch) || t.ranges.some(([lo, hi]) => ch >= lo && ch <= hi);
  }
}

/** Whether `seg` matches `text` at exactly position `at`. */
function matchesAt(seg: Token[], text: string, at: number): boolean {
  if (at + seg.length > text.length) return false;
  for (let k = 0; k < seg.length; k++) if (!tokenMatches(seg[k]!, text[at + k]!)) return false;
  return true;
}

/**
 * Whether `text` matches `pattern`. A malformed pattern matches nothing.
 * @example matchGlob("fedora-*", "fedora-6.10.2.conf") // true
 */
export function matchGlob(pattern: string, text: string): boolean {
  const segs = compile(pattern);
  if (!segs) return false;
  const first = segs[0]!;
  if (segs.length === 1) return first.length === text.length && matchesAt(first, text, 0);
  if (!matchesAt(first, text, 0)) return false;
  let cursor = first.length;
  // Middle segments take their first occurrence; no backtracking, as systemd-boot does.
  for (let s = 1; s < segs.length - 1; s++) {
    const seg = segs[s]!;
    let found = -1;
    for (let at = cursor; at + seg.length <= text.length; at++) {
      if (matchesAt(seg, text, at)) {
        found = at;
        break;
      }
    }
    if (found < 0) return false;
    cursor = found + seg.length;
  }
  const last = segs[segs.length - 1]!;
  // Every token of a segment consumes exactly one character, so the last segment must start here.
  const at = text.length - last.length;
  return at >= cursor && matchesAt(last, text, at);
}
