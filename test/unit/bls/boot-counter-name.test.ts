import { describe, expect, test } from "bun:test";
import { parseBootCounter, stripCounterFromPath, malformedCounter } from "../../../src/bls/boot-counter-name.ts";

// [file name, suffix, stripped, triesLeft, triesDone, next] after systemd's test_extract_tries_one table, with the
// next names the current Boot Loader Specification asks for: each number keeps its width (docs/efi-variables.md §5).
const table: [string, string, string, number, number, string | undefined][] = [
  ["os-6.9+3.efi", ".efi", "os-6.9.efi", 3, 0, "os-6.9+2-1.efi"],
  ["os-6.9+0-4.conf", ".conf", "os-6.9.conf", 0, 4, "os-6.9+0-5.conf"],
  ["foo+33-107.efi", ".efi", "foo.efi", 33, 107, "foo+32-108.efi"],
  ["foo+05-003.conf", ".conf", "foo.conf", 5, 3, "foo+04-004.conf"],
  ["x+10.efi", ".efi", "x.efi", 10, 0, "x+09-1.efi"],
  ["x+10-00.efi", ".efi", "x.efi", 10, 0, "x+09-01.efi"],
  ["x+1-99.efi", ".efi", "x.efi", 1, 99, "x+0-99.efi"],
  ["x+0-9.conf", ".conf", "x.conf", 0, 9, "x+0-9.conf"],
  ["x+100-0999.efi", ".efi", "x.efi", 100, 999, "x+099-1000.efi"],
  ["foo.efi", ".efi", "foo.efi", -1, -1, undefined],
  ["foo+.efi", ".efi", "foo+.efi", -1, -1, undefined],
  ["foo+-1.efi", ".efi", "foo+-1.efi", -1, -1, undefined],
  ["foo+1-.efi", ".efi", "foo+1-.efi", -1, -1, undefined],
  ["foo+1x.efi", ".efi", "foo+1x.efi", -1, -1, undefined],
  ["foo+1-2-3.efi", ".efi", "foo+1-2-3.efi", -1, -1, undefined],
  ["foo+1.efi.bak", ".efi", "foo+1.efi.bak", -1, -1, undefined],
  ["some+name+24324-22.efi", ".efi", "some+name.efi", 24324, 22, "some+name+24323-23.efi"],
  ["a+3+x.efi", ".efi", "a+3+x.efi", -1, -1, undefined],
  ["Foo+2.EFI", ".efi", "Foo.EFI", 2, 0, "Foo+1-1.EFI"],
  ["foo+2147483647-2147483647.efi", ".efi", "foo.efi", 2147483647, 2147483647, "foo+2147483646-2147483647.efi"],
  ["foo+2147483648.efi", ".efi", "foo+2147483648.efi", -1, -1, undefined],
  ["foo+1-2147483648.efi", ".efi", "foo+1-2147483648.efi", -1, -1, undefined],
  ["foo+00000000000000000001.efi", ".efi", "foo.efi", 1, 0, "foo+00000000000000000000-1.efi"],
  ["foo+99999999999999999999.efi", ".efi", "foo+99999999999999999999.efi", -1, -1, undefined],
  ["+3.conf", ".conf", ".conf", 3, 0, "+2-1.conf"],
];

describe("parseBootCounter()", () => {
  test.each(table)("parses %p (suffix %p)", (name, suffix, stripped, left, done, next) => {
    const c = parseBootCounter(name, suffix);
    expect(c.stripped).toBe(stripped);
    expect(c.triesLeft).toBe(left);
    expect(c.triesDone).toBe(done);
    expect(c.next).toBe(next);
  });
  test("follows the series x+3 → x+2-1 → x+1-2 → x+0-3 → x+0-4", () => {
    const series = ["x+3.efi"];
    for (let i = 0; i < 4; i++) series.push(parseBootCounter(series.at(-1)!, ".efi").next!);
    expect(series).toEqual(["x+3.efi", "x+2-1.efi", "x+1-2.efi", "x+0-3.efi", "x+0-4.efi"]);
  });
  test("keeps the length of a name whose counters were pre-allocated: +10-00 → +09-01 → … → +00-10 → +00-11", () => {
    const series = ["x+10-00.efi"];
    for (let i = 0; i < 11; i++) series.push(parseBootCounter(series.at(-1)!, ".efi").next!);
    expect(series.slice(0, 3)).toEqual(["x+10-00.efi", "x+09-01.efi", "x+08-02.efi"]);
    expect(series.at(-2)).toBe("x+00-10.efi");
    expect(series.at(-1)).toBe("x+00-11.efi");
    expect(new Set(series.map((n) => n.length)).size).toBe(1);
  });
});

describe("stripCounterFromPath()", () => {
  test.each([
    ["\\EFI\\Linux\\x+2-1.efi", "\\EFI\\Linux\\x.efi"],
    ["\\EFI\\Linux\\x+3.efi", "\\EFI\\Linux\\x.efi"],
    ["\\EFI\\Linux\\x.efi", "\\EFI\\Linux\\x.efi"],
    // The stub uses the FIRST "+" of the whole path; when that one is no counter, nothing is stripped.
    ["\\EFI\\Linux\\a+b+3.efi", "\\EFI\\Linux\\a+b+3.efi"],
    ["\\EFI\\Linux\\x+3", "\\EFI\\Linux\\x"],
    ["\\EFI\\Linux\\x+3x.efi", "\\EFI\\Linux\\x+3x.efi"],
  ])("strips %p to %p", (path, expected) => {
    expect(stripCounterFromPath(path)).toBe(expected);
  });
});

describe("malformedCounter()", () => {
  test.each([
    ["os+1-x.conf", "+1-x"],
    ["acme-commit_1.1.0+3a.conf", "+3a"],
    ["os+3-1.conf", undefined],
    ["os+3.conf", undefined],
    ["c++.conf", undefined],
    ["plain.conf", undefined],
  ])("%p → %p", (name, expected) => expect(malformedCounter(name, ".conf")).toBe(expected));
});
