/**
 * Version comparison of the UAPI Version Format Specification (UAPI.10), as systemd's
 * strverscmp_improved() implements it (docs/order-and-default.md §1). Used for `version` and for ids.
 */

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
const isAlpha = (c: string | undefined) => c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z"));
// Only ASCII letters, digits and ~ - ^ . take part; everything else, non-ASCII letters included, is skipped.
const isValid = (c: string | undefined) => isDigit(c) || isAlpha(c) || c === "~" || c === "-" || c === "^" || c === ".";

function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/**
 * Compares two versions: negative when `a` is older, 0 when equal, positive when `a` is newer.
 * null and undefined count as "".
 * @example compareVersions("6.8.0~rc3", "6.8.0") // -1
 */
export function compareVersions(a: string | null | undefined, b: string | null | undefined): -1 | 0 | 1 {
  const s = a ?? "";
  const t = b ?? "";
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < s.length && !isValid(s[i])) i++;
    while (j < t.length && !isValid(t[j])) j++;

    // '~' sorts before everything, even the end of the string: 1~rc1 < 1.
    if (s[i] === "~" || t[j] === "~") {
      if (s[i] !== "~") return 1;
      if (t[j] !== "~") return -1;
      i++;
      j++;
      continue;
    }
    if (i >= s.length || j >= t.length) return sign((s.length - i > 0 ? 1 : 0) - (t.length - j > 0 ? 1 : 0));

    let decided: -1 | 1 | undefined;
    let separated = false;
    for (const sep of ["-", "^", "."]) {
      if (s[i] === sep || t[j] === sep) {
        if (s[i] !== sep) decided = 1;
        else if (t[j] !== sep) decided = -1;
        else {
          i++;
          j++;
          separated = true;
        }
        break;
      }
    }
    if (decided !== undefined) return decided;
    if (separated) continue;

    if (isDigit(s[i]) || isDigit(t[j])) {
      let ie = i;
      while (isDigit(s[ie])) ie++;
      let je = j;
      while (isDigit(t[je])) je++;
      // A numeric part is newer than none at all (the code and examples, not the prose "evaluates as 0").
      if (ie === i) return -1;
      if (je === j) return 1;
      // Leading zeros do not count: "010" equals "10", and "0" equals "00".
      let ia = i;
      while (ia < ie && s[ia] === "0") ia++;
      let ja = j;
      while (ja < je && t[ja] === "0") ja++;
      const la = ie - ia;
      const lb = je - ja;
      if (la !== lb) return la > lb ? 1 : -1;
      for (let k = 0; k < la; k++) {
        if (s[ia + k] !== t[ja + k]) return s[ia + k]! > t[ja + k]! ? 1 : -1;
      }
      i = ie;
      j = je;
      continue;
    }
    let ie = i;
    while (isAlpha(s[ie])) ie++;
    let je = j;
    while (isAlpha(t[je])) je++;
    const common = Math.min(ie - i, je - j);
    for (let k = 0; k < common; k++) {
      // Byte order on ASCII: 'B' < 'a'.
      if (s[i + k] !== t[j + k]) return s[i + k]! > t[j + k]! ? 1 : -1;
    }
    if (ie - i !== je - j) return ie - i > je - j ? 1 : -1;
    i = ie;
    j = je;
  }
}
