/**
 * Extending planned measurement events into the TPM, one TPM2_PCR_Extend per event with a digest for
 * every active bank (docs/measurements.md §4), and recording what was extended for the event log.
 */
import { digest, MultiHasher, type DigestAlgorithm } from "../bytes/digest.ts";
import { isPeImageDigest, resolveMeasuredBytes, type MeasurementEvent } from "./measurements.ts";
import type { Tpm2Client } from "./tpm2-client.ts";
import type { BankDigest } from "./tpm2-commands.ts";

/** One extended event, as the userspace measurement log records it. */
export interface MeasuredRecord {
  pcr: number;
  digests: BankDigest[];
  description: string;
  eventType: MeasurementEvent["eventType"];
  eventTag?: number;
}

/** Digests of an event's data for each bank; a getter is called once. A loaded image gives its Authenticode digests. */
export async function digestEvent(event: MeasurementEvent, banks: readonly DigestAlgorithm[]): Promise<BankDigest[]> {
  if (isPeImageDigest(event.data)) {
    const digests = await event.data.authenticode(banks);
    return banks.map((algorithm) => {
      const d = digests[algorithm];
      if (!d) throw new Error(`Internal error: no ${algorithm} Authenticode digest for "${event.description}"`);
      return { algorithm, digest: d };
    });
  }
  if (typeof event.data === "object" && "chunks" in event.data) {
    const hasher = new MultiHasher(banks);
    for await (const chunk of event.data.chunks()) hasher.update(chunk);
    const digests = hasher.digest();
    return banks.map((algorithm) => ({ algorithm, digest: digests[algorithm]! }));
  }
  const data = await resolveMeasuredBytes(event.data);
  return banks.map((algorithm) => ({ algorithm, digest: digest(algorithm, data) }));
}

/**
 * Extends every event in order and returns the records. Stops at the first TPM error (the rest would
 * not match any prediction anyway); `onRecord` sees each record as soon as its extend succeeded, so the
 * caller's log never misses a measurement that did happen.
 * @throws TpmResponseError or FormatError from the first failing extend
 */
export async function applyMeasurements(
  events: MeasurementEvent[],
  tpm: Tpm2Client,
  opts: { banks: readonly DigestAlgorithm[]; onRecord?: (record: MeasuredRecord) => void },
): Promise<MeasuredRecord[]> {
  if (opts.banks.length === 0) throw new RangeError("Cannot measure: the TPM has no active bank ukiboot can hash");
  const records: MeasuredRecord[] = [];
  for (const event of events) {
    const digests = await digestEvent(event, opts.banks);
    await tpm.pcrExtend(event.pcr, digests);
    const record: MeasuredRecord = {
      pcr: event.pcr,
      digests,
      description: event.description,
      eventType: event.eventType,
      ...(event.eventTag !== undefined ? { eventTag: event.eventTag } : {}),
    };
    records.push(record);
    opts.onRecord?.(record);
  }
  return records;
}

/** How measuring went, as the effect layer saw it. */
export type MeasurementOutcome =
  | { kind: "measured"; records: MeasuredRecord[] }
  /** No /dev/tpmrm0 (or no TPM 2.0). */
  | { kind: "no-tpm" }
  /** The TPM refused or the conversation broke; `error` is what was thrown. */
  | { kind: "failed"; error: unknown };

/**
 * Whether to go on to kexec after measuring: without a TPM, boot with a console note; after a TPM error,
 * refuse under enforce (PCR-bound secrets and attestation would silently break) and warn otherwise.
 */
export function decideMeasurementOutcome(
  outcome: MeasurementOutcome,
  mode: "off" | "warn" | "enforce" | "strict",
): { proceed: boolean; severity: "none" | "note" | "warning" | "error"; message?: string } {
  if (outcome.kind === "measured") return { proceed: true, severity: "none" };
  if (outcome.kind === "no-tpm") return { proceed: true, severity: "note", message: "No TPM 2.0 found: booting without measurements" };
  const detail = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
  if (mode === "enforce" || mode === "strict")
    return { proceed: false, severity: "error", message: `Cannot boot without measuring it into the TPM: ${detail}` };
  return { proceed: true, severity: "warning", message: `Booting although the TPM measurement failed: ${detail}` };
}
