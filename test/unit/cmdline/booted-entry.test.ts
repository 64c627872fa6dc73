import { describe, expect, test } from "bun:test";
import { BOOTED_ENTRY_CREDENTIAL, bootedEntryFrom, bootedEntryWord } from "../../../src/cmdline/booted-entry.ts";

describe("the booted-entry credential (docs/efi-variables.md §8)", () => {
  test("is a systemd.set_credential= word naming the entry id, profile included", () => {
    expect(BOOTED_ENTRY_CREDENTIAL).toBe("ukiboot.booted-entry");
    expect(bootedEntryWord("debian-6.12+2-1.efi")).toBe("systemd.set_credential=ukiboot.booted-entry:debian-6.12+2-1.efi");
    expect(bootedEntryWord("multi.efi@1")).toBe("systemd.set_credential=ukiboot.booted-entry:multi.efi@1");
  });

  test("is left out for an id the kernel would split or unquote", () => {
    for (const id of ["with space.conf", 'quo"te.conf', "tab\t.conf", "", "new\nline.conf"]) expect(bootedEntryWord(id)).toBeUndefined();
  });

  test("is read back from a command line; the last word wins, as systemd reads credentials", () => {
    expect(bootedEntryFrom("root=/dev/vda2 systemd.set_credential=ukiboot.booted-entry:a.efi quiet")).toBe("a.efi");
    expect(bootedEntryFrom("systemd.set_credential=ukiboot.booted-entry:a.efi systemd.set_credential=ukiboot.booted-entry:b.conf")).toBe("b.conf");
    expect(bootedEntryFrom("systemd.set_credential=other:a.efi ukiboot.entry=x.efi")).toBeUndefined();
    expect(bootedEntryFrom("systemd.set_credential=ukiboot.booted-entry:")).toBeUndefined();
  });

  test("round-trips every id it writes", () => {
    for (const id of ["x.efi", "y+3.conf", "os-1.2_3~rc1.efi@12"]) expect(bootedEntryFrom(`a ${bootedEntryWord(id)} b`)).toBe(id);
  });
});
