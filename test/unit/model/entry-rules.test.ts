/** What each kind of entry allows under each mode: one table of rules (src/model/entry-rules.ts); whose command line boots is command-line-rule.test.ts. */
import { describe, expect, test } from "bun:test";
import { ukiImageRef } from "../../support/uki-image-ref.ts";
import type { BootEntry, EfiEntry, LinuxEntry, UkiProfileEntry } from "../../../src/model/boot-entry.ts";
import { isCounted, kindAllowed, mayOfferRescueShell, mayReplaceCrashInitrd, plainKernelOf, ukiOf, whySignaturesRule } from "../../../src/model/entry-rules.ts";

const base = { showTitle: "x", source: "esp" as const, root: "/esp", options: "", triesLeft: -1, triesDone: -1 };
const image = ukiImageRef;
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
const efiKernel: EfiEntry = {
  ...base,
  id: "e.conf",
  kind: "type1-efi",
  dir: "\\loader\\entries",
  fileName: "e.conf",
  path: "/esp/loader/entries/e.conf",
  loaderPath: "\\loader\\entries\\e.conf",
  efi: { path: "/esp/k.efi", loaderPath: "\\k.efi" },
};

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
  expect([
    mayOfferRescueShell("off", false),
    mayOfferRescueShell("warn", false),
    mayOfferRescueShell("enforce", false),
    mayOfferRescueShell("strict", false),
  ]).toEqual([true, true, false, false]);
  expect(mayOfferRescueShell("enforce", true)).toBe(true);
});

test("signatures rule the boot under Secure Boot, kernel lockdown, enforce and strict, and the clause says which", () => {
  expect(whySignaturesRule({ mode: "enforce", secureBoot: true, lockdown: "integrity" })).toBe("Secure Boot is on");
  expect(whySignaturesRule({ mode: "enforce", secureBoot: false, lockdown: "confidentiality" })).toBe("the kernel is locked down (confidentiality)");
  expect(whySignaturesRule({ mode: "strict", secureBoot: false, lockdown: "none" })).toBe("signatures are enforced (strict)");
  expect(whySignaturesRule({ mode: "warn", secureBoot: false, lockdown: "none" })).toBeUndefined();
  expect(mayReplaceCrashInitrd(linux, { mode: "off", secureBoot: false }, "/boot/kdump.img")).toBe(true);
  expect(
    (mayReplaceCrashInitrd(linux, { mode: "enforce", secureBoot: false, lockdown: "integrity" }, "/boot/kdump.img") as { reason: string }).reason,
  ).toContain("the kernel is locked down (integrity), and no signature covers that file");
});
