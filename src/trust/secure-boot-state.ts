/**
 * Whether signatures rule this boot (docs/trust.md §2): what the firmware says about Secure Boot, asked in two
 * ways, and the kernel's lockdown. The kernel's EFI stub reads the SecureBoot variable before the firmware's
 * boot services end and leaves its answer in x86's boot_params; the variable itself is read again through
 * efivarfs, which needs efivarfs mounted, its module loaded and runtime services on. When the answers
 * disagree, or an EFI boot gives none, Secure Boot is taken to be on: a boot kernel that cannot tell must not
 * fall open into `warn` and a shell.
 */
import type { LockdownMode } from "./verify-policy.ts";

/**
 * x86 boot_params.secure_boot (offset 0x1ec, one byte), the kernel's enum efi_secureboot_mode: the stub found
 * the SecureBoot variable on (enabled), off or absent (disabled), or could not read it (unknown); `unset`
 * when no EFI stub filled it in.
 */
export type BootParamsSecureBoot = "unset" | "unknown" | "disabled" | "enabled";

/** The offset of secure_boot in struct boot_params (arch/x86/include/uapi/asm/bootparam.h, zero-page.rst). */
export const BOOT_PARAMS_SECURE_BOOT_OFFSET = 0x1ec;

const BOOT_PARAMS_VALUES: readonly BootParamsSecureBoot[] = ["unset", "unknown", "disabled", "enabled"];

/** The secure_boot field of a raw struct boot_params (/sys/kernel/boot_params/data); undefined when it is too short to have one. */
export function bootParamsSecureBoot(bootParams: Uint8Array): BootParamsSecureBoot | undefined {
  const v = bootParams[BOOT_PARAMS_SECURE_BOOT_OFFSET];
  if (v === undefined) return undefined;
  // A value the kernel does not define is no answer.
  return BOOT_PARAMS_VALUES[v] ?? "unknown";
}

/** What the SecureBoot variable says through efivarfs. */
export type SecureBootVariable =
  | { state: "on" | "off" }
  /** efivarfs works and has no such variable: firmware without Secure Boot, as the kernel's stub takes it. */
  | { state: "absent" }
  /** No answer: no efivarfs, or the variable cannot be read; `why` completes "the SecureBoot variable …". */
  | { state: "unknown"; why: string };

export interface SecureBootEvidence {
  /** Whether UEFI booted this kernel (/sys/firmware/efi exists). */
  efiBoot: boolean;
  /** boot_params.secure_boot; undefined where there is none (not x86, or the kernel shows no boot_params). */
  bootParams: BootParamsSecureBoot | undefined;
  variable: SecureBootVariable;
  /** /sys/kernel/security/lockdown; undefined without the lockdown LSM. */
  lockdown: LockdownMode | undefined;
}

export interface SecureBootState {
  /** Secure Boot is on, or is taken to be on because the firmware's answers disagree or are missing on an EFI boot. */
  secureBoot: boolean;
  /** Whether nothing weaker than enforce may apply: Secure Boot (as above) or a locked-down kernel. */
  signaturesRule: boolean;
  /** Why, as a clause completing "enforce because …" or "warn because …". */
  why: string;
  /** When Secure Boot was taken to be on without the firmware saying so plainly: one sentence saying why, for the log. */
  note?: string;
}

const ANSWER = { enabled: "on", disabled: "off", unset: undefined, unknown: undefined } as const;

/**
 * Decides from all the evidence at once. Any "on" wins over an "off" (a lie can only make ukiboot stricter);
 * an absent variable counts as off, as the kernel's stub counts it (root cannot delete a firmware variable
 * that exists); no answer at all on an EFI boot counts as on.
 * @example decideSecureBoot({ efiBoot: true, bootParams: "enabled", variable: { state: "on" }, lockdown: "integrity" }).why // "Secure Boot is on"
 */
export function decideSecureBoot(e: SecureBootEvidence): SecureBootState {
  const locked = e.lockdown === "integrity" || e.lockdown === "confidentiality";
  const fromBootParams = e.bootParams === undefined ? undefined : ANSWER[e.bootParams];
  const fromVariable = e.variable.state === "on" ? "on" : e.variable.state === "unknown" ? undefined : "off";
  const answers = [fromBootParams, fromVariable];
  const bootParamsSays = e.bootParams === undefined ? "the kernel shows no boot_params.secure_boot" : `boot_params.secure_boot says ${e.bootParams}`;
  const variableSays =
    e.variable.state === "unknown"
      ? `the SecureBoot variable ${e.variable.why}`
      : e.variable.state === "absent"
        ? "the firmware has no SecureBoot variable"
        : `the SecureBoot variable says ${e.variable.state}`;

  if (answers.includes("on") && answers.includes("off")) {
    return {
      secureBoot: true,
      signaturesRule: true,
      why: "Secure Boot is taken to be on (the firmware's answers disagree)",
      note: `Secure Boot is taken to be on: ${bootParamsSays} but ${variableSays}, and when the firmware's answers disagree signatures rule the boot`,
    };
  }
  if (answers.includes("on")) return { secureBoot: true, signaturesRule: true, why: "Secure Boot is on" };
  if (!answers.includes("off") && e.efiBoot) {
    return {
      secureBoot: true,
      signaturesRule: true,
      why: "Secure Boot is taken to be on (nothing says whether it is)",
      note: `Secure Boot is taken to be on: this is an EFI boot, but ${bootParamsSays} and ${variableSays}; without an answer signatures rule the boot (mount efivarfs, or load its module, to let the variable answer)`,
    };
  }
  if (locked) return { secureBoot: false, signaturesRule: true, why: `the kernel is locked down (${e.lockdown})` };
  return { secureBoot: false, signaturesRule: false, why: "Secure Boot is off and the kernel is not locked down" };
}
