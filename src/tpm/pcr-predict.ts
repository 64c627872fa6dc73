/**
 * Predicting PCR 11 for a UKI profile the way `systemd-measure calculate` does (docs/measurements.md §3):
 * extend the present sections in canonical order (name + NUL, then contents) from a start value, then
 * optionally each word of a phase path ("enter-initrd:leave-initrd…", UTF-8, no NUL).
 */
import { DIGEST_ALGORITHMS, DIGEST_SIZE, digest, toHex, type DigestAlgorithm } from "../bytes/digest.ts";
import { pcr11Events, TPM2_PCR_KERNEL_BOOT, type MeasuredSection } from "./measurements.ts";

/** systemd-measure's default phase paths: enter-initrd and its three extensions. */
export const DEFAULT_PHASE_PATHS = [
  "enter-initrd",
  "enter-initrd:leave-initrd",
  "enter-initrd:leave-initrd:sysinit",
  "enter-initrd:leave-initrd:sysinit:ready",
] as const;

/** PCR := H(PCR ‖ H(data)) (docs/measurements.md §1). */
export function extendPcr(algorithm: DigestAlgorithm, pcr: Uint8Array, data: Uint8Array): Uint8Array {
  return digest(algorithm, pcr, digest(algorithm, data));
}

/** A section with its bytes in hand (prediction is synchronous and reads everything). */
export interface PredictedSection {
  name: string;
  /** C(s): VirtualSize bytes; empty means absent. */
  data: Uint8Array;
}

export interface Pcr11Prediction {
  bank: DigestAlgorithm;
  /** The value right after the stub's measurements, before any phase (what `ukiboot inspect` shows). */
  value: string;
  /** The value after each phase path, as systemd-measure lists them. */
  phases: { phase: string; pcr: number; hash: string }[];
}

/**
 * The PCR 11 values systemd-stub's measurements of `sections` produce.
 * @param opts.start per-bank start values; zeros (a platform reset) by default. Under kexec the start is the
 *   PCR 11 the first stage left (docs/measurements.md §4).
 * @example predictPcr11(sections, { banks: ["sha256"] })[0].value
 */
export function predictPcr11(
  sections: PredictedSection[],
  opts: { banks?: readonly DigestAlgorithm[]; start?: Partial<Record<DigestAlgorithm, Uint8Array>>; phasePaths?: readonly string[] } = {},
): Pcr11Prediction[] {
  const measured: MeasuredSection[] = sections.map((s) => ({ name: s.name, data: s.data, size: s.data.byteLength }));
  const events = pcr11Events(measured);
  return (opts.banks ?? DIGEST_ALGORITHMS).map((bank) => {
    let pcr = opts.start?.[bank] ?? new Uint8Array(DIGEST_SIZE[bank]);
    if (pcr.byteLength !== DIGEST_SIZE[bank]) throw new RangeError(`Cannot start a ${bank} PCR from ${pcr.byteLength} bytes`);
    for (const e of events) pcr = extendPcr(bank, pcr, e.data as Uint8Array);
    const value = toHex(pcr);
    const phases = (opts.phasePaths ?? DEFAULT_PHASE_PATHS).map((path) => {
      let p = pcr;
      for (const word of path.split(":")) if (word) p = extendPcr(bank, p, new TextEncoder().encode(word));
      return { phase: path, pcr: TPM2_PCR_KERNEL_BOOT, hash: toHex(p) };
    });
    return { bank, value, phases };
  });
}

/** The shape `systemd-measure calculate --json=short` prints: {"sha256":[{"phase","pcr","hash"}…]}. */
export function toMeasureJson(predictions: Pcr11Prediction[]): Record<string, { phase: string; pcr: number; hash: string }[]> {
  return Object.fromEntries(predictions.map((p) => [p.bank, p.phases]));
}
