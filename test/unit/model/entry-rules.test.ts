/** What each kind of entry allows under each mode: one table of rules (src/model/entry-rules.ts). */
import { describe, expect, test } from "bun:test";
import type { BootEntry, EfiEntry, LinuxEntry, UkiImageRef, UkiProfileEntry } from "../../../src/model/boot-entry.ts";
import { editability, isCounted, kindAllowed, mayChangeCmdline, mayOfferRescueShell, plainKernelOf, ukiOf } from "../../../src/model/entry-rules.ts";

const base = { showTitle: "x", source: "esp" as const, root: "/esp", options: "", triesLeft: -1, triesDone: -1 };
const image = (withCmdline: boolean): UkiImageRef => ({
  path: "/esp/EFI/Linux/a.efi",
  loaderPath: "\\EFI\\Linux\\a.efi",
  fileSize: 1,
  profile: 0,
  profileCount: 1,
  sections: withCmdline ? { ".cmdline": { name: ".cmdline", fileOffset: 0, fileSize: 4, virtualSize: 4 } } : {},
  dtbauto: [],
  efifw: [],
});
const uki = (withCmdline: boolean): UkiProfileEntry => ({
  ...base,
  id: "a.efi",
  kind: "type2",
  dir: "\\EFI\\Linux",
  fileName: "a.efi",
  path: "/esp/EFI/Linux/a.efi",
  loaderPath: "\\EFI\\Linux\\a.efi",
  options: withCmdline ? "root=/dev/vda" : "",
  profile: 0,
  image: image(withCmdline),
  addons: [],
  companions: [],
});
const linux: LinuxEntry = {
  ...base,
  id: "l.conf",
  kind: "type1-linux",
  dir: "\\loader\\entries",
  fileName: "l+3.conf",
  path: "/esp/loader/entries/l+3.conf",
  loaderPath: "\\loader\\entries\\l+3.conf",
  triesLeft: 3,
  triesDone: 0,
  nextFileName: "l+2-1.conf",
  linux: { path: "/esp/vmlinuz", loaderPath: "\\vmlinuz" },
  initrds: [],
};
const efiKernel: EfiEntry = { ...base, id: "e.conf", kind: "type1-efi", dir: "\\loader\\entries", fileName: "e.conf", path: "/esp/loader/entries/e.conf", loaderPath: "\\loader\\entries\\e.conf", efi: { path: "/esp/k.efi", loaderPath: "\\k.efi" } };

describe("changing the command line", () => {
  test("a UKI with .cmdline: allowed under warn without Secure Boot; refused under Secure Boot, enforce or strict", () => {
    expect(mayChangeCmdline(uki(true), { mode: "warn", secureBoot: false })).toBe(true);
    for (const t of [{ mode: "warn" as const, secureBoot: true }, { mode: "enforce" as const, secureBoot: false }, { mode: "strict" as const, secureBoot: false }]) {
      const r = mayChangeCmdline(uki(true), t);
      expect(r).not.toBe(true);
      expect((r as { reason: string }).reason).toStartWith('Cannot change the command line of "a.efi": ');
      expect(editability(uki(true), t)).toEqual({ reason: "Entry not editable in SecureBoot mode." });
    }
    expect((mayChangeCmdline(uki(true), { mode: "enforce", secureBoot: false }) as { reason: string }).reason).toContain("signatures are enforced (enforce)");
  });

  test("a UKI without .cmdline, and a Type #1 kernel, may be changed: no signature covers their line anyway", () => {
    expect(mayChangeCmdline(uki(false), { mode: "enforce", secureBoot: true })).toBe(true);
    expect(mayChangeCmdline(linux, { mode: "strict", secureBoot: true })).toBe(true);
    expect(editability(linux, { mode: "enforce", secureBoot: true })).toBe(true);
  });
});

describe("which kinds may boot, and what is verified", () => {
  test("strict refuses Type #1 kernels and EFI-stub kernels, with a reason and what to do; enforce allows them", () => {
    for (const e of [linux, efiKernel] as BootEntry[]) {
      const r = kindAllowed(e, "strict");
      expect(r).not.toBe(true);
      expect((r as { reason: string; hint: string }).hint).toContain("ukiboot.verify=enforce");
      expect(kindAllowed(e, "enforce")).toBe(true);
    }
    expect(kindAllowed(uki(true), "strict")).toBe(true);
  });

  test("a UKI is verified as a whole; a plain kernel is verified as the kernel file", () => {
    expect(ukiOf(uki(true))?.path).toBe("/esp/EFI/Linux/a.efi");
    expect(plainKernelOf(uki(true))).toBeUndefined();
    expect(plainKernelOf(linux)?.path).toBe("/esp/vmlinuz");
    expect(plainKernelOf(efiKernel)?.path).toBe("/esp/k.efi");
    expect(isCounted(linux)).toBe(true);
  });
});

test("the rescue shell is offered under off and warn, never under enforce or strict unless the build allows it", () => {
  expect([mayOfferRescueShell("off", false), mayOfferRescueShell("warn", false), mayOfferRescueShell("enforce", false), mayOfferRescueShell("strict", false)]).toEqual([true, true, false, false]);
  expect(mayOfferRescueShell("enforce", true)).toBe(true);
});
