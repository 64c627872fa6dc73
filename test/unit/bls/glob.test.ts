import { describe, expect, test } from "bun:test";
import { matchGlob } from "../../../src/bls/glob.ts";

// [pattern, text, matches]: the spec's examples (docs/order-and-default.md §6) first, then each token and set rule.
const table: [string, string, boolean][] = [
  ["fedora-*", "fedora-6.10.2.conf", true],
  ["*@factory-reset", "multi.efi@factory-reset", true],
  ["arch", "arch.conf", false],
  ["arch.conf", "arch.conf", true],
  ["", "", true],
  ["", "a", false],
  ["*", "", true],
  ["*", "anything", true],
  ["a?c", "abc", true],
  ["a?c", "a/c", true],
  ["a?c", "ac", false],
  ["a\\*c", "a*c", true],
  ["a\\*c", "abc", false],
  ["a\\", "a\\", false],
  ["*.conf", "x.conf.conf", true],
  ["a*b*c", "aXbYc", true],
  ["a*b*c", "abcbc", true],
  ["a*b*c", "acb", false],
  ["a**c", "abc", true],
  ["*b*", "abc", true],
  ["*x*", "abc", false],
  ["[abc]", "b", true],
  ["[abc]", "d", false],
  ["[a-c]", "b", true],
  ["[a-c]", "d", false],
  ["[]]", "]", true],
  ["[]a]", "a", true],
  ["[-a]", "-", true],
  ["[a-]", "-", true],
  ["[a-c-f]", "-", true],
  ["[a-c-f]", "f", true],
  ["[a-c-f]", "e", false],
  ["[!a]", "!", true],
  ["[!a]", "b", false],
  ["[^a]", "^", true],
  ["[\\]]", "]", true],
  ["[abc", "a", false],
  ["[", "[", false],
  ["fedora-[0-9]*.conf", "fedora-6.10.conf", true],
  ["fedora-[0-9]*.conf", "fedora-x.conf", false],
];

describe("matchGlob()", () => {
  test.each(table)("matchGlob(%p, %p) is %p", (pattern, text, expected) => {
    expect(matchGlob(pattern, text)).toBe(expected);
  });
  test("is case-sensitive; callers lower-case both sides", () => {
    expect(matchGlob("Fedora*", "fedora.conf")).toBe(false);
  });
  test("finishes quickly on a pattern that makes backtracking matchers explode", () => {
    const t0 = performance.now();
    expect(matchGlob("*a*a*a*a*a*a*a*a*b", "a".repeat(5000))).toBe(false);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
