import { describe, expect, test } from "bun:test";
import { parseProfilePrefix, profileLoadOptions } from "../../../src/cmdline/profile-prefix.ts";

describe("parseProfilePrefix()", () => {
  test.each([
    ["@1", 1, "", true],
    ["@1 quiet", 1, "quiet", true],
    // Exactly one space is removed; the rest is left for mangling.
    ["@1  quiet", 1, " quiet", true],
    ["@0 quiet", 0, "quiet", true],
    ["@007 x", 7, "x", true],
    ["@4294967295", 4294967295, "", true],
    // Not a prefix: stays part of the command line, profile 0.
    ["@4294967296", 0, "@4294967296", false],
    ["@99999999999999999999999", 0, "@99999999999999999999999", false],
    ["@1x", 0, "@1x", false],
    ["@1\tquiet", 0, "@1\tquiet", false],
    ["@", 0, "@", false],
    ["@ 1", 0, "@ 1", false],
    [" @1", 0, " @1", false],
    ["quiet", 0, "quiet", false],
    ["", 0, "", false],
  ])("%p → profile %p, rest %p", (input, profile, rest, found) => {
    expect(parseProfilePrefix(input)).toEqual({ profile, rest, found });
  });
});

describe("profileLoadOptions()", () => {
  test.each([
    [0, null, null],
    [0, "quiet", "quiet"],
    [0, "", ""],
    [2, null, "@2"],
    [2, "", "@2"],
    [2, "quiet", "@2 quiet"],
  ] as const)("profile %p with %p → %p", (profile, base, want) => {
    expect(profileLoadOptions(profile, base)).toBe(want);
  });
});
