import { describe, expect, test } from "bun:test";
import { parseOsRelease, pickOsReleaseNames } from "../../../src/bls/os-release.ts";

const names = (text: string) => pickOsReleaseNames(parseOsRelease(text).fields);

describe("pickOsReleaseNames()", () => {
  test.each([
    ["PRETTY_NAME first", 'NAME=Fedora\nPRETTY_NAME="Fedora Linux 40"\nID=fedora\nIMAGE_ID=img\n', { name: "Fedora Linux 40", sortKey: "img" }],
    ["then IMAGE_ID", "NAME=N\nID=i\nIMAGE_ID=img\n", { name: "img", sortKey: "img" }],
    ["then NAME", "NAME=N\nID=i\n", { name: "N", sortKey: "i" }],
    ["then ID", "ID=i\n", { name: "i", sortKey: "i" }],
    ["none", "VERSION=1\n", { version: "1" }],
    ["versions: IMAGE_VERSION first", "ID=a\nBUILD_ID=b\nVERSION_ID=v\nVERSION=V\nIMAGE_VERSION=iv\n", { name: "a", sortKey: "a", version: "iv" }],
    ["then VERSION", "ID=a\nBUILD_ID=b\nVERSION_ID=v\nVERSION=V\n", { name: "a", sortKey: "a", version: "V" }],
    ["then VERSION_ID", "ID=a\nBUILD_ID=b\nVERSION_ID=v\n", { name: "a", sortKey: "a", version: "v" }],
    ["then BUILD_ID", "ID=a\nBUILD_ID=b\n", { name: "a", sortKey: "a", version: "b" }],
    ["an empty value counts as set", 'PRETTY_NAME=""\nNAME=N\n', { name: "" }],
    ["no shell unquoting: a lone quote stays", 'ID=a\nVERSION="1.0\n', { name: "a", sortKey: "a", version: '"1.0' }],
    ["spaces around = belong to the key", 'PRETTY_NAME = "X"\nID=a\n', { name: "a", sortKey: "a" }],
  ])("%s", (_n, text, expected) => {
    expect(names(text)).toEqual(expected);
  });
});
