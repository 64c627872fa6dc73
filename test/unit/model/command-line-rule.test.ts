/**
 * The command-line rule on its own (src/model/command-line-rule.ts, docs/trust.md §5): decided from the image
 * that boots, so every kind of entry that reaches a UKI with `.cmdline` gets the same answer. The flow-level
 * matrix over real files is test/unit/flow/command-line-rule.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { ukiImageRef } from "../../support/uki-image-ref.ts";
import type { BootEntry, EfiEntry, LinuxEntry, NetworkEntry, Type1UkiEntry, UkiProfileEntry } from "../../../src/model/boot-entry.ts";
import { bootImageOf, commandLineRule, editability, mayChangeCmdline, type BootImage } from "../../../src/model/command-line-rule.ts";
import type { TrustState } from "../../../src/model/entry-rules.ts";

const base = { showTitle: "x", source: "esp" as const, root: "/esp", options: "console=ttyS0 init=/bin/sh", triesLeft: -1, triesDone: -1 };
const type1 = (id: string) => ({
  ...base,
  id,
  dir: "\\loader\\entries",
  fileName: id,
  path: `/esp/loader/entries/${id}`,
  loaderPath: `\\loader\\entries\\${id}`,
});
const image = ukiImageRef;
const parts = (withCmdline: boolean) => ({ image: image(withCmdline), addons: [], companions: [] });
const type2 = (withCmdline: boolean): UkiProfileEntry => ({
  ...base,
  id: "a.efi",
  kind: "type2",
  dir: "\\EFI\\Linux",
  fileName: "a.efi",
  path: "/esp/EFI/Linux/a.efi",
  loaderPath: "\\EFI\\Linux\\a.efi",
  profile: 0,
  ...parts(withCmdline),
});
const uki = (withCmdline: boolean): Type1UkiEntry => ({
  ...type1("uki.conf"),
  kind: "type1-uki",
  uki: { path: "/esp/EFI/Linux/a.efi", loaderPath: "\\EFI\\Linux\\a.efi" },
  extras: [],
  ...parts(withCmdline),
});
const efiUki = (withCmdline: boolean): EfiEntry => ({
  ...type1("efi.conf"),
  kind: "type1-efi",
  efi: { path: "/esp/EFI/Linux/a.efi", loaderPath: "\\EFI\\Linux\\a.efi" },
  ...parts(withCmdline),
});
const efiKernel: EfiEntry = { ...type1("efi-kernel.conf"), kind: "type1-efi", efi: { path: "/esp/k.efi", loaderPath: "\\k.efi" } };
const linux: LinuxEntry = { ...type1("linux.conf"), kind: "type1-linux", linux: { path: "/esp/vmlinuz", loaderPath: "\\vmlinuz" }, initrds: [] };
const network: NetworkEntry = {
  ...type1("net.conf"),
  kind: "uki-url",
  foundIn: "entry-file",
  ukiUrl: "http://x/a.efi",
  url: "http://x/a.efi",
  triesLeft: -1,
  triesDone: -1,
};

describe("the image that boots, whatever named it", () => {
  test.each([
    ["a Type #2 UKI with .cmdline", type2(true), "uki with .cmdline"],
    ["a uki entry's UKI with .cmdline", uki(true), "uki with .cmdline"],
    ["an efi entry naming a UKI with .cmdline", efiUki(true), "uki with .cmdline"],
    ["an efi entry naming a UKI without .cmdline", efiUki(false), "uki without .cmdline"],
    ["an efi entry naming an EFI-stub kernel", efiKernel, "plain kernel"],
    ["a linux entry", linux, "plain kernel"],
    ["a network entry before it is fetched", network, "network uki, not fetched"],
  ] as [string, BootEntry, BootImage][])("%s: %s", (_, entry, want) => {
    expect(bootImageOf(entry)).toBe(want);
  });
});

/** The rule's table (docs/trust.md §5): does the image's own line win, per image and trust state. */
const TRUST: [string, TrustState, string | undefined][] = [
  ["off, Secure Boot off", { mode: "off", secureBoot: false }, undefined],
  ["warn, Secure Boot off", { mode: "warn", secureBoot: false }, undefined],
  ["enforce, Secure Boot off", { mode: "enforce", secureBoot: false }, "signatures are enforced (enforce)"],
  ["strict, Secure Boot off", { mode: "strict", secureBoot: false }, "signatures are enforced (strict)"],
  ["enforce, Secure Boot on", { mode: "enforce", secureBoot: true }, "Secure Boot is on"],
  ["warn, kernel locked down", { mode: "warn", secureBoot: false, lockdown: "integrity" }, "the kernel is locked down (integrity)"],
  ["warn, lockdown none", { mode: "warn", secureBoot: false, lockdown: "none" }, undefined],
];
const IMAGES: BootImage[] = ["uki with .cmdline", "network uki, not fetched", "uki without .cmdline", "plain kernel"];

describe("the rule's table", () => {
  const cases = IMAGES.flatMap((img) =>
    TRUST.map(([name, t, why]) => ({ img, name, t, why, wins: why !== undefined && (img === "uki with .cmdline" || img === "network uki, not fetched") })),
  );
  test.each(cases)("$img, $name: the image's own line wins: $wins", ({ img, t, why, wins }) => {
    const d = commandLineRule(img, t);
    expect(d.imageLineWins).toBe(wins);
    if (d.imageLineWins) expect(d.reason).toStartWith(`${why}, and `);
  });

  test("under Secure Boot in a confidential VM no line from outside reaches a UKI, even without .cmdline, as systemd-stub does", () => {
    expect(commandLineRule("uki without .cmdline", { mode: "enforce", secureBoot: true, confidentialVm: true })).toEqual({
      imageLineWins: true,
      reason: "Secure Boot is on in a confidential VM, where systemd-stub takes no command line from outside the UKI",
    });
    expect(commandLineRule("uki without .cmdline", { mode: "warn", secureBoot: false, confidentialVm: true }).imageLineWins).toBe(false);
    expect(commandLineRule("plain kernel", { mode: "enforce", secureBoot: true, confidentialVm: true }).imageLineWins).toBe(false);
  });
});

describe("the editor and a person's line ask the same rule", () => {
  test("every entry reaching a UKI with .cmdline is closed to them under enforce, with a reason naming the entry and the rule", () => {
    for (const e of [type2(true), uki(true), efiUki(true), network] as BootEntry[]) {
      expect(editability(e, { mode: "enforce", secureBoot: false })).toEqual({ reason: "Entry not editable in SecureBoot mode." });
      const r = mayChangeCmdline(e, { mode: "enforce", secureBoot: false });
      expect(r).not.toBe(true);
      expect((r as { reason: string }).reason).toStartWith(`Cannot change the command line of "${e.id}": signatures are enforced (enforce), and `);
      expect(mayChangeCmdline(e, { mode: "warn", secureBoot: false })).toBe(true);
    }
  });

  test("a UKI without .cmdline and a plain kernel stay open: no signature covers their line anyway", () => {
    for (const e of [type2(false), uki(false), efiUki(false), efiKernel, linux] as BootEntry[]) {
      expect(mayChangeCmdline(e, { mode: "strict", secureBoot: true })).toBe(true);
      expect(editability(e, { mode: "enforce", secureBoot: true })).toBe(true);
    }
  });
});
