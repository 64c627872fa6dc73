/**
 * The cap on PCR 11 and 12 (docs/measurements.md §6): when ukiboot's own initramfs leaves the boot path
 * without a kexec (a rescue shell, a failure, a dry run), both PCRs are extended with one separator event so
 * that no value a UKI's .pcrsig signs, and no value a disk was sealed to, can be reached until the next
 * reset. The same bytes serve ukiboot, which extends every active bank, and the PID-1 shim, which sends
 * fixed TPM2_PCR_Extend commands when ukiboot could not run (initrd-hooks/common/init-shim.sh).
 */
import { DIGEST_ALGORITHMS, digest, type DigestAlgorithm } from "../bytes/digest.ts";
import { type MeasurementEvent, TPM2_PCR_KERNEL_BOOT, TPM2_PCR_KERNEL_CONFIG } from "./measurements.ts";
import { encodePcrExtend } from "./tpm2-commands.ts";

/**
 * The separator's data, UTF-8 without a NUL as systemd's phase words are. No signed prediction contains it:
 * systemd-measure extends PCR 11 only with a UKI's sections and systemd's phase words.
 */
export const PCR_CAP_TEXT = "ukiboot: leaving the boot path";

/** PCR 11 (what signed policies cover) and PCR 12 (what a policy binding the command line covers). */
export const PCR_CAP_PCRS = [TPM2_PCR_KERNEL_BOOT, TPM2_PCR_KERNEL_CONFIG] as const;

/**
 * The banks the shim extends, one command each: it cannot ask which are active. A bank the TPM implements but
 * has not allocated ignores its digest; one it does not implement refuses the command, leaving the others.
 */
export const SHIM_CAP_BANKS: readonly DigestAlgorithm[] = DIGEST_ALGORITHMS;

/** The separator event for each capped PCR, in order, for applyMeasurements() and the log. */
export function pcrCapEvents(): MeasurementEvent[] {
  const data = new TextEncoder().encode(PCR_CAP_TEXT);
  return PCR_CAP_PCRS.map((pcr) => ({ pcr, data, eventType: "EV_SEPARATOR", description: PCR_CAP_TEXT }));
}

/** The separator's digest in one bank: what both ukiboot and the shim extend. */
export function pcrCapDigest(algorithm: DigestAlgorithm): Uint8Array {
  return digest(algorithm, new TextEncoder().encode(PCR_CAP_TEXT));
}

/**
 * The exact command the shim writes to the TPM device for one PCR and one bank: TPM2_PCR_Extend with
 * TPM_ST_SESSIONS, the PCR's handle, an empty password session (TPM_RS_PW) and one digest.
 * @example pcrCapCommand(11, "sha256").byteLength === 65
 */
export function pcrCapCommand(pcr: (typeof PCR_CAP_PCRS)[number], algorithm: DigestAlgorithm): Uint8Array {
  return encodePcrExtend(pcr, [{ algorithm, digest: pcrCapDigest(algorithm) }]);
}
