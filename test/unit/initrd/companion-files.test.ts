import { describe, expect, test } from "bun:test";
import { COMPANION_RULES, selectCompanionFiles, ukiExtraDir, type ListedEntry } from "../../../src/initrd/companion-files.ts";

const f = (name: string): ListedEntry => ({ name, kind: "file" });

describe("selectCompanionFiles()", () => {
  test.each<[string, ListedEntry, CompanionKindName, boolean]>([
    ["a plain credential", f("a.cred"), "credentials", true],
    ["the suffix in upper case", f("B.CRED"), "credentials", true],
    ["a dot-file", f(".hidden.cred"), "credentials", false],
    ["a directory", { name: "dir.cred", kind: "dir" }, "credentials", false],
    ["another kind of entry", { name: "x.cred", kind: "other" }, "credentials", false],
    ["a missing suffix", f("a.cred.bak"), "credentials", false],
    ["a non-ASCII name", f("café.cred"), "credentials", false],
    ["255 characters", f(`${"n".repeat(250)}.cred`), "credentials", true],
    ["256 characters", f(`${"n".repeat(251)}.cred`), "credentials", false],
    ["a control character (ASCII, kept as the stub keeps it)", f("a\tb.cred"), "credentials", true],
    ["a sysext", f("tools.raw"), "sysext", true],
    ["a *.sysext.raw", f("tools.sysext.raw"), "sysext", true],
    ["a confext among sysexts", f("etc.confext.raw"), "sysext", false],
    ["a confext in upper case among sysexts", f("etc.CONFEXT.RAW"), "sysext", false],
    ["a confext", f("etc.confext.raw"), "confext", true],
    ["a plain .raw among confexts", f("tools.raw"), "confext", false],
    ["an add-on", f("debug.addon.efi"), "addons", true],
    ["a UKI among add-ons", f("linux.efi"), "addons", false],
  ])("takes or skips %s", (_, entry, kind, taken) => {
    expect(selectCompanionFiles([entry], COMPANION_RULES[kind])).toEqual(taken ? [entry.name] : []);
  });

  test("sorts by byte order, upper case before lower case", () => {
    const names = ["b.cred", "a.cred", "Z.cred", "a-2.cred", "a.CRED", "_x.cred"];
    expect(selectCompanionFiles(names.map(f), COMPANION_RULES.credentials)).toEqual(["Z.cred", "_x.cred", "a-2.cred", "a.CRED", "a.cred", "b.cred"]);
  });
});

type CompanionKindName = keyof typeof COMPANION_RULES;

describe("ukiExtraDir()", () => {
  test.each([
    ["\\EFI\\Linux\\x.efi", "\\EFI\\Linux\\x.efi.extra.d"],
    ["\\EFI\\Linux\\x+2-1.efi", "\\EFI\\Linux\\x.efi.extra.d"],
    ["\\EFI\\Linux\\x+3.efi", "\\EFI\\Linux\\x.efi.extra.d"],
    ["\\EFI\\Linux\\x+0-4.efi", "\\EFI\\Linux\\x.efi.extra.d"],
    // The counter is removed at the first "+" of the whole path only.
    ["\\EFI\\Linux\\a+b\\x+3.efi", "\\EFI\\Linux\\a+b\\x+3.efi.extra.d"],
    ["\\EFI\\Linux\\x+3-1+2.efi", "\\EFI\\Linux\\x+3-1+2.efi.extra.d"],
    // "+digits" must be followed by "." or the end.
    ["\\EFI\\Linux\\x+3", "\\EFI\\Linux\\x.extra.d"],
    ["\\EFI\\Linux\\x+3a.efi", "\\EFI\\Linux\\x+3a.efi.extra.d"],
    ["\\EFI\\Linux\\x+-1.efi", "\\EFI\\Linux\\x+-1.efi.extra.d"],
    ["\\EFI\\Linux\\x+3-.efi", "\\EFI\\Linux\\x+3-.efi.extra.d"],
    // A number beyond 64 bits does not parse, so nothing is removed.
    ["\\EFI\\Linux\\x+99999999999999999999.efi", "\\EFI\\Linux\\x+99999999999999999999.efi.extra.d"],
    ["\\EFI\\Linux\\x+18446744073709551615.efi", "\\EFI\\Linux\\x.efi.extra.d"],
  ])("%s → %s", (path, dir) => {
    expect(ukiExtraDir(path)).toBe(dir);
  });
});
