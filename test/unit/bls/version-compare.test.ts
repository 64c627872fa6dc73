import { describe, expect, test } from "bun:test";
import { compareVersions } from "../../../src/bls/version-compare.ts";

// The UAPI Version Format Specification's own examples (docs/order-and-default.md §1).
const equal: [string, string][] = [
  ["11", "11"],
  ["systemd-123", "systemd-123"],
  ["11α", "11β"],
  ["1_", "1"],
  ["_1", "1"],
  ["1+", "1"],
  ["+1", "1"],
  ["010", "10"],
  ["", ""],
];
const older: [string, string][] = [
  ["bar-123", "foo-123"],
  ["123", "123a"],
  ["123", "123.a"],
  ["123.a", "123.b"],
  ["123.a", "123a"],
  ["B", "a"],
  ["", "0"],
  ["0", "0."],
  ["0", "0.0"],
  ["~", "0"],
  ["~", ""],
  ["1_", "1.2"],
  ["1.3.3", "1_2_3"],
  ["1+", "1.2"],
  ["1.3.3", "1+2+3"],
  ["6.9.1", "6.10.2"],
  ["6.8.0", "6.8.0-rc3"],
  ["6.8.0~rc3", "6.8.0"],
  ["fedora-6.9.conf", "fedora-6.10.conf"],
];
const chain = ["122.1", "123~rc1-1", "123", "123-a", "123-a.1", "123-1", "123-1.1", "123^post1", "123.a-1", "123.1-1", "123a-1", "124-1"];

describe("compareVersions()", () => {
  test.each(equal)("treats %p and %p as equal", (a, b) => {
    expect(compareVersions(a, b)).toBe(0);
    expect(compareVersions(b, a)).toBe(0);
  });
  test.each(older)("orders %p before %p", (a, b) => {
    expect(compareVersions(a, b)).toBe(-1);
    expect(compareVersions(b, a)).toBe(1);
  });
  test("orders the UAPI chain 122.1 < 123~rc1-1 < … < 124-1 pairwise", () => {
    for (let i = 0; i < chain.length; i++) {
      for (let j = 0; j < chain.length; j++) {
        expect(`${chain[i]} vs ${chain[j]}: ${compareVersions(chain[i], chain[j])}`).toBe(`${chain[i]} vs ${chain[j]}: ${Math.sign(i - j)}`);
      }
    }
  });
  test("counts null and undefined as the empty string", () => {
    expect(compareVersions(null, "")).toBe(0);
    expect(compareVersions(undefined, "0")).toBe(-1);
    expect(compareVersions("~", null)).toBe(-1);
  });
  test("does not hang or throw on long and odd input", () => {
    const long = "1.".repeat(10000) + "~" + "a".repeat(10000);
    expect(compareVersions(long, long)).toBe(0);
    expect(compareVersions("9".repeat(400), "9".repeat(399))).toBe(1);
  });
});
