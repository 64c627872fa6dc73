/**
 * The one line grammar systemd-boot uses for loader.conf, Type #1 entries, `.osrel` and `.profile`
 * (docs/entries.md §3). Lenient about lines, exact about what a line means.
 */

/** One `key value` line as read, with its 1-based line number. */
export interface KeyValueLine {
  key: string;
  value: string;
  line: number;
}

/** A line that was skipped, with the reason; callers report these as diagnostics naming file and line. */
export interface SkippedLine {
  line: number;
  text: string;
  reason: string;
}

export interface KeyValueText {
  lines: KeyValueLine[];
  skipped: SkippedLine[];
}

/**
 * Splits text into key/value lines.
 * `separators` is " \t" for loader.conf and Type #1 entries, "=" for `.osrel` and `.profile`.
 * @example parseKeyValueText('title  "Fedora"\n', " \t").lines  // [{key: "title", value: "Fedora", line: 1}]
 */
export function parseKeyValueText(text: string, separators: string): KeyValueText {
  // Input ends at the first NUL, as systemd-boot reads a C string.
  const nul = text.indexOf("\0");
  if (nul >= 0) text = text.slice(0, nul);
  const lines: KeyValueLine[] = [];
  const skipped: SkippedLine[] = [];
  // Lines end at \n or \r; "\r\n" therefore yields an empty line in between, which is skipped.
  const raw = text.split(/[\n\r]/);
  for (let i = 0; i < raw.length; i++) {
    const lineNo = i + 1;
    const line = stripBlanks(raw[i]!);
    if (line === "" || line.startsWith("#")) continue;
    let k = 0;
    while (k < line.length && !separators.includes(line[k]!)) k++;
    if (k === line.length) {
      skipped.push({ line: lineNo, text: line, reason: "it has a key but no value" });
      continue;
    }
    const key = line.slice(0, k);
    let v = k;
    while (v < line.length && separators.includes(line[v]!)) v++;
    let value = line.slice(v);
    // One pair of quotes is removed when the value starts with a quote and the line ends with it.
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]!)) {
      value = value.slice(1, -1);
    }
    lines.push({ key, value, line: lineNo });
  }
  return { lines, skipped };
}

function stripBlanks(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s[a] === " " || s[a] === "\t")) a++;
  while (b > a && (s[b - 1] === " " || s[b - 1] === "\t")) b--;
  return s.slice(a, b);
}

/** Last occurrence wins: the map view used for non-repeatable keys. */
export function lastValues(lines: KeyValueLine[]): Map<string, KeyValueLine> {
  const m = new Map<string, KeyValueLine>();
  for (const l of lines) m.set(l.key, l);
  return m;
}

/** systemd's boolean words, case-sensitive; anything else is undefined (logged and ignored by callers). */
export function parseBoolean(value: string): boolean | undefined {
  if (["1", "yes", "y", "true", "t", "on"].includes(value)) return true;
  if (["0", "no", "n", "false", "f", "off"].includes(value)) return false;
  return undefined;
}

/** ASCII digits only, no sign, no trailing text, at most 2^64-1; returned as bigint. */
export function parseUnsigned(value: string): bigint | undefined {
  if (!/^[0-9]+$/.test(value)) return undefined;
  const n = BigInt(value);
  return n <= 0xffff_ffff_ffff_ffffn ? n : undefined;
}
