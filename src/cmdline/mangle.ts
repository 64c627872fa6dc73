/**
 * systemd-stub's command-line normalisation (docs/command-line.md §1), applied to every `.cmdline`,
 * add-on command line and custom command line before it is used or measured.
 */

/**
 * Decodes UTF-8 up to the first NUL (dropping invalid sequences), removes leading control characters
 * and spaces, turns every other control character into one space (runs are not collapsed) and removes
 * trailing spaces.
 * @example mangleCmdline("  quiet\n  splash\t")  // "quiet   splash"
 */
export function mangleCmdline(input: string | Uint8Array): string {
  let s = typeof input === "string" ? input : decodeUtf8Lossless(input);
  const nul = s.indexOf("\0");
  if (nul >= 0) s = s.slice(0, nul);
  // Lone surrogates cannot be encoded as UTF-16 for the measurement; systemd drops them.
  s = s.replace(/[\uD800-\uDFFF]/gu, (c) => (c.length === 2 ? c : ""));
  let out = "";
  let leading = true;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const control = c <= 0x20 || c === 0x7f;
    if (leading) {
      if (control) continue;
      leading = false;
    }
    out += control ? " " : ch;
  }
  return out.replace(/ +$/u, "");
}

/** UTF-8 decode that drops invalid sequences instead of inserting U+FFFD, as systemd's decoder does. */
function decodeUtf8Lossless(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  const b = nul >= 0 ? bytes.subarray(0, nul) : bytes;
  let out = "";
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let need = 0;
    let cp = 0;
    let min = 0;
    if (c < 0x80) {
      out += String.fromCharCode(c);
      i++;
      continue;
    } else if ((c & 0xe0) === 0xc0) [need, cp, min] = [1, c & 0x1f, 0x80];
    else if ((c & 0xf0) === 0xe0) [need, cp, min] = [2, c & 0x0f, 0x800];
    else if ((c & 0xf8) === 0xf0) [need, cp, min] = [3, c & 0x07, 0x10000];
    else {
      i++;
      continue;
    }
    let ok = true;
    for (let k = 1; ok && k <= need; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (cc & 0x3f);
    }
    if (!ok || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      i++;
      continue;
    }
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
}
