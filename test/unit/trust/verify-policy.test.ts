import { describe, expect, test } from "bun:test";
import { decideSecureBoot } from "../../../src/trust/secure-boot-state.ts";
import { decideAddon, decideUki, parseLockdown, resolveVerifyPolicy, type LockdownMode, type SignatureVerdict } from "../../../src/trust/verify-policy.ts";

/** The settings, and what the firmware and kernel say: the SecureBoot variable (undefined: no EFI at all) and lockdown. */
interface Case {
  flag?: string;
  cmdlineValue?: string;
  secureBoot: boolean | undefined;
  lockdown: LockdownMode | undefined;
}

describe("resolveVerifyPolicy()", () => {
  const cases: [string, Case, string, string[]][] = [
    ["default without Secure Boot", { secureBoot: false, lockdown: "none" }, "warn", []],
    ["default without EFI", { secureBoot: undefined, lockdown: undefined }, "warn", []],
    ["default with Secure Boot", { secureBoot: true, lockdown: "none" }, "enforce", []],
    ["default under lockdown=integrity", { secureBoot: false, lockdown: "integrity" }, "enforce", []],
    ["default under lockdown=confidentiality", { secureBoot: undefined, lockdown: "confidentiality" }, "enforce", []],
    ["cmdline off without Secure Boot", { cmdlineValue: "off", secureBoot: false, lockdown: "none" }, "off", []],
    ["cmdline enforce without Secure Boot", { cmdlineValue: "enforce", secureBoot: false, lockdown: "none" }, "enforce", []],
    ["flag beats cmdline", { flag: "warn", cmdlineValue: "enforce", secureBoot: false, lockdown: "none" }, "warn", []],
    [
      "an invalid flag falls back to the cmdline",
      { flag: "yes", cmdlineValue: "off", secureBoot: false, lockdown: "none" },
      "off",
      ['Ignoring --verify="yes": expected off, warn, enforce or strict'],
    ],
    [
      "an invalid value falls back to the default",
      { cmdlineValue: "Enforce", secureBoot: true, lockdown: "none" },
      "enforce",
      ['Ignoring ukiboot.verify="Enforce": expected off, warn, enforce or strict'],
    ],
    [
      "Secure Boot refuses off",
      { cmdlineValue: "off", secureBoot: true, lockdown: "none" },
      "enforce",
      ["Ignoring ukiboot.verify=off: Secure Boot is on, so signatures are enforced"],
    ],
    [
      "lockdown refuses warn",
      { flag: "warn", secureBoot: false, lockdown: "integrity" },
      "enforce",
      ["Ignoring --verify=warn: the kernel is locked down (integrity), so signatures are enforced"],
    ],
  ];
  test.each(cases)("%s", (_name, { secureBoot, lockdown, ...settings }, mode, problems) => {
    const platform = decideSecureBoot({
      efiBoot: secureBoot !== undefined,
      bootParams: undefined,
      variable: secureBoot === undefined ? { state: "unknown", why: "cannot be read: there is no efivarfs" } : { state: secureBoot ? "on" : "off" },
      lockdown,
    });
    const p = resolveVerifyPolicy({ ...settings, platform });
    expect(p.mode).toBe(mode as never);
    expect(p.problems).toEqual(problems);
    expect(p.explanation).toStartWith(`${mode} because `);
  });
});

test.each([
  ["none [integrity] confidentiality\n", "integrity"],
  ["[none] integrity confidentiality\n", "none"],
  ["none integrity [confidentiality]", "confidentiality"],
  ["", undefined],
  ["none integrity confidentiality", undefined],
])("parseLockdown(%p) is %p", (text, mode) => {
  expect(parseLockdown(text)).toBe(mode as never);
});

describe("decisions", () => {
  const verdicts: SignatureVerdict[] = [
    { status: "verified", signer: "/CN=a", anchor: "db entry 1" },
    { status: "unsigned", reason: "it is not signed" },
    { status: "untrusted", reason: "its signer chains to no trusted certificate" },
    { status: "revoked", reason: "it is listed in dbx entry 1" },
    { status: "bad", reason: "the image was changed after signing" },
  ];
  test.each(verdicts.map((v) => [v.status, v] as const))("decideUki() for %s", (status, v) => {
    const enforce = decideUki(v, "enforce");
    const warn = decideUki(v, "warn");
    const off = decideUki(v, "off");
    expect(off).toEqual({ bootable: true, marked: false, severity: "none" });
    if (status === "verified") {
      expect(enforce).toEqual(off);
      expect(warn).toEqual(off);
    } else {
      // Under enforce the entry stays in the menu (marked) and refuses to boot with the reason.
      expect(enforce).toMatchObject({ bootable: false, marked: true, severity: "error", reason: (v as { reason: string }).reason });
      expect(enforce.hint).toBeTruthy();
      expect(warn).toMatchObject({ bootable: true, marked: true, severity: "warning", reason: (v as { reason: string }).reason });
    }
  });

  test("decideUki() without a verdict (nothing verified) boots", () => {
    expect(decideUki(undefined, "enforce").bootable).toBe(true);
  });

  test("decideAddon() ignores unverified add-ons under enforce and warns under warn", () => {
    const v: SignatureVerdict = { status: "unsigned", reason: "it is not signed" };
    expect(decideAddon(v, "enforce", "debug.addon.efi")).toEqual({ use: false, problem: 'Ignoring add-on "debug.addon.efi": it is not signed' });
    expect(decideAddon(v, "warn", "debug.addon.efi")).toEqual({ use: true, problem: 'Using add-on "debug.addon.efi" although it is not signed' });
    expect(decideAddon(v, "off", "debug.addon.efi")).toEqual({ use: true });
    expect(decideAddon(verdicts[0], "enforce", "debug.addon.efi")).toEqual({ use: true });
  });
});
