/**
 * The one decision on whether Secure Boot rules the boot (docs/trust.md §2): boot_params.secure_boot, the
 * SecureBoot variable and lockdown, and that it fails closed on an EFI boot that gives no answer or two.
 */
import { describe, expect, test } from "bun:test";
import { bootParamsSecureBoot, BOOT_PARAMS_SECURE_BOOT_OFFSET, decideSecureBoot, type SecureBootEvidence } from "../../../src/trust/secure-boot-state.ts";

const noEfivarfs = { state: "unknown", why: 'cannot be read: there is no efivarfs at "/sys/firmware/efi/efivars"' } as const;

describe("decideSecureBoot()", () => {
  // [name, evidence, Secure Boot taken to be on, signatures rule, why, a note is logged]
  const cases: [string, SecureBootEvidence, boolean, boolean, string, boolean][] = [
    ["x86, all agree on", { efiBoot: true, bootParams: "enabled", variable: { state: "on" }, lockdown: "integrity" }, true, true, "Secure Boot is on", false],
    [
      "x86, all agree off",
      { efiBoot: true, bootParams: "disabled", variable: { state: "off" }, lockdown: "none" },
      false,
      false,
      "Secure Boot is off and the kernel is not locked down",
      false,
    ],
    [
      "x86, boot_params on, the variable unreadable (no efivarfs)",
      { efiBoot: true, bootParams: "enabled", variable: noEfivarfs, lockdown: "none" },
      true,
      true,
      "Secure Boot is on",
      false,
    ],
    [
      "x86, boot_params off, the variable unreadable: the kernel's own answer suffices",
      { efiBoot: true, bootParams: "disabled", variable: noEfivarfs, lockdown: "none" },
      false,
      false,
      "Secure Boot is off and the kernel is not locked down",
      false,
    ],
    [
      "x86, boot_params on, the variable off: they disagree",
      { efiBoot: true, bootParams: "enabled", variable: { state: "off" }, lockdown: "none" },
      true,
      true,
      "Secure Boot is taken to be on (the firmware's answers disagree)",
      true,
    ],
    [
      "x86, boot_params off, the variable on: they disagree",
      { efiBoot: true, bootParams: "disabled", variable: { state: "on" }, lockdown: "none" },
      true,
      true,
      "Secure Boot is taken to be on (the firmware's answers disagree)",
      true,
    ],
    [
      "x86, boot_params unset (no EFI stub), the variable off",
      { efiBoot: true, bootParams: "unset", variable: { state: "off" }, lockdown: "none" },
      false,
      false,
      "Secure Boot is off and the kernel is not locked down",
      false,
    ],
    [
      "x86, boot_params unknown, the variable unreadable: no answer on an EFI boot",
      { efiBoot: true, bootParams: "unknown", variable: noEfivarfs, lockdown: "none" },
      true,
      true,
      "Secure Boot is taken to be on (nothing says whether it is)",
      true,
    ],
    [
      "arm64, the variable on",
      { efiBoot: true, bootParams: undefined, variable: { state: "on" }, lockdown: undefined },
      true,
      true,
      "Secure Boot is on",
      false,
    ],
    [
      "arm64, the variable off",
      { efiBoot: true, bootParams: undefined, variable: { state: "off" }, lockdown: undefined },
      false,
      false,
      "Secure Boot is off and the kernel is not locked down",
      false,
    ],
    [
      "arm64, firmware without a SecureBoot variable (as the kernel's stub reads it: off)",
      { efiBoot: true, bootParams: undefined, variable: { state: "absent" }, lockdown: undefined },
      false,
      false,
      "Secure Boot is off and the kernel is not locked down",
      false,
    ],
    [
      "arm64, efivarfs missing: no answer on an EFI boot",
      { efiBoot: true, bootParams: undefined, variable: noEfivarfs, lockdown: "none" },
      true,
      true,
      "Secure Boot is taken to be on (nothing says whether it is)",
      true,
    ],
    [
      "arm64, the variable unreadable, even with lockdown",
      { efiBoot: true, bootParams: undefined, variable: { state: "unknown", why: "cannot be read (EIO)" }, lockdown: "integrity" },
      true,
      true,
      "Secure Boot is taken to be on (nothing says whether it is)",
      true,
    ],
    [
      "no EFI (a LinuxBoot payload): no Secure Boot",
      { efiBoot: false, bootParams: undefined, variable: noEfivarfs, lockdown: undefined },
      false,
      false,
      "Secure Boot is off and the kernel is not locked down",
      false,
    ],
    [
      "no EFI but locked down",
      { efiBoot: false, bootParams: "unset", variable: noEfivarfs, lockdown: "confidentiality" },
      false,
      true,
      "the kernel is locked down (confidentiality)",
      false,
    ],
    [
      "Secure Boot off but locked down (lockdown= on the command line)",
      { efiBoot: true, bootParams: "disabled", variable: { state: "off" }, lockdown: "integrity" },
      false,
      true,
      "the kernel is locked down (integrity)",
      false,
    ],
  ];
  test.each(cases)("%s", (_name, evidence, secureBoot, signaturesRule, why, noted) => {
    const s = decideSecureBoot(evidence);
    expect([s.secureBoot, s.signaturesRule, s.why]).toEqual([secureBoot, signaturesRule, why]);
    expect(s.note !== undefined).toBe(noted);
  });

  test("the sentence says what each source said and why signatures rule", () => {
    expect(decideSecureBoot({ efiBoot: true, bootParams: "enabled", variable: { state: "off" }, lockdown: "none" }).note).toBe(
      "Secure Boot is taken to be on: boot_params.secure_boot says enabled but the SecureBoot variable says off, and when the firmware's answers disagree signatures rule the boot",
    );
    expect(decideSecureBoot({ efiBoot: true, bootParams: undefined, variable: noEfivarfs, lockdown: "none" }).note).toBe(
      'Secure Boot is taken to be on: this is an EFI boot, but the kernel shows no boot_params.secure_boot and the SecureBoot variable cannot be read: there is no efivarfs at "/sys/firmware/efi/efivars"; without an answer signatures rule the boot (mount efivarfs, or load its module, to let the variable answer)',
    );
  });
});

describe("bootParamsSecureBoot()", () => {
  const params = (value: number) => {
    const b = new Uint8Array(4096);
    b[BOOT_PARAMS_SECURE_BOOT_OFFSET] = value;
    return b;
  };
  test.each([
    [0, "unset"],
    [1, "unknown"],
    [2, "disabled"],
    [3, "enabled"],
    [9, "unknown"],
  ])("the byte at 0x1ec = %p is %p (the kernel's enum efi_secureboot_mode)", (value, state) => {
    expect(bootParamsSecureBoot(params(value))).toBe(state as never);
  });

  test("a boot_params too short to hold the field gives no answer", () => {
    expect(bootParamsSecureBoot(new Uint8Array(0x100))).toBeUndefined();
  });
});
