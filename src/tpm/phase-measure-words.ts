/**
 * Kernel command-line words that make a target's systemd 257 measure its boot phases (enter-initrd,
 * leave-initrd, sysinit, ready) into PCR 11 although no systemd-stub set StubPcrKernelImage
 * (docs/measurements.md §4). Proven in QEMU by test/e2e/systemd-phases.e2e.test.ts:
 * - EFI boots: SYSTEMD_FORCE_MEASURE=1 for PID 1 (ConditionSecurity=measured-uki) and, through
 *   systemd.setenv=, for systemd-pcrextend itself;
 * - boots without EFI: systemd-pcrextend --graceful always gives up (efi_has_tpm2() is false), so unit
 *   drop-ins passed as credentials run it without --graceful.
 */

export const PCRPHASE_UNITS = ["systemd-pcrphase-initrd.service", "systemd-pcrphase-sysinit.service", "systemd-pcrphase.service"] as const;

/** The words pcrextend extends at each unit's start and stop. */
const PCRPHASE_WORDS: Record<(typeof PCRPHASE_UNITS)[number], [start: string, stop: string]> = {
  "systemd-pcrphase-initrd.service": ["enter-initrd", "leave-initrd"],
  "systemd-pcrphase-sysinit.service": ["sysinit", "final"],
  "systemd-pcrphase.service": ["ready", "shutdown"],
};

const NO_EFI_DROPIN_NAME = "50-ukiboot-no-efi";

/** For EFI boots: both are needed; either alone measures nothing. */
export const PHASE_MEASURE_WORDS_EFI = ["SYSTEMD_FORCE_MEASURE=1", "systemd.setenv=SYSTEMD_FORCE_MEASURE=1"] as const;

/** The drop-in that runs systemd-pcrextend without --graceful and with the override in its environment. */
export function pcrphaseWithoutEfiDropIn(unit: (typeof PCRPHASE_UNITS)[number]): string {
  const [start, stop] = PCRPHASE_WORDS[unit];
  return `[Service]
Environment=SYSTEMD_FORCE_MEASURE=1
ExecStart=
ExecStart=/usr/lib/systemd/systemd-pcrextend ${start}
ExecStop=
ExecStop=/usr/lib/systemd/systemd-pcrextend ${stop}
`;
}

/** The drop-ins as credentials, which systemd-debug-generator turns into drop-ins in the initrd and after switch-root. */
export function pcrphaseWithoutEfiCredentialWords(): string[] {
  return PCRPHASE_UNITS.map(
    (unit) =>
      `systemd.set_credential_binary=systemd.unit-dropin.${unit}~${NO_EFI_DROPIN_NAME}:${Buffer.from(pcrphaseWithoutEfiDropIn(unit)).toString("base64")}`,
  );
}

/** For boots without EFI: the override for PID 1's unit conditions, plus the drop-ins. About 1000 characters. */
export function pcrphaseWithoutEfiWords(): string[] {
  return ["SYSTEMD_FORCE_MEASURE=1", ...pcrphaseWithoutEfiCredentialWords()];
}
