/**
 * The userspace measurement log in the format systemd writes to /run/log/systemd/tpm2-measure.log
 * (src/shared/tpm2-util.c tpm2_userspace_log(), 255–257): a subset of TCG Canonical Event Log JSON as an
 * RFC 7464 JSON text sequence, one record per extend:
 *
 *   RS {"pcr":11,"digests":[{"hashAlg":"sha256","digest":"<hex>"}…],"content_type":"systemd",
 *       "content":{"string":"<description>","bootId":"<32 hex>","timestamp":<µs>}} LF
 *
 * As in systemd there is no "recnum" (consumers such as systemd-pcrlock number the records when they read
 * them), and "digests" hold H(data) per bank, not PCR values. systemd's "eventType" values (phase,
 * filesystem, volume-key, …) name userspace events; none describes the stub's events, so it is omitted and
 * the description goes into "string", as systemd does for events without a type. ukiboot hands this log to
 * the target in its initrd as MEASURE_LOG_INITRD_PATH.
 */
import { FormatError } from "../errors.ts";
import { fromHex, isDigestAlgorithm, toHex } from "../bytes/digest.ts";
import type { BankDigest } from "./tpm2-commands.ts";

/** Where the log goes in the generated initrd (next to the stub's other /.extra files). */
export const MEASURE_LOG_INITRD_PATH = ".extra/tpm2-measure.log";

/**
 * Where the running system keeps its log: systemd's own path, so that its tools and a person in ukiboot's
 * rescue shell read the same file. In ukiboot's initramfs it holds what ukiboot measured and the cap
 * (docs/measurements.md §6), by ukiboot and by the shim.
 */
export const MEASURE_LOG_RUN_PATH = "/run/log/systemd/tpm2-measure.log";

/** RFC 7464 record separator. */
const RS = "\x1e";

/** A record as it appears in the log; a MeasuredRecord from applyMeasurements() is one. */
export interface MeasureLogRecord {
  pcr: number;
  digests: BankDigest[];
  /** The event description (content.string). */
  description?: string;
  /** The boot ID of the boot that measured (ukiboot's), 32 lowercase hex digits. */
  bootId?: string;
  /** CLOCK_BOOTTIME in microseconds when the extend happened. */
  timestamp?: number;
}

/**
 * One JSON-SEQ record.
 * @param context.bootId /proc/sys/kernel/random/boot_id (dashes are removed, as sd_id128 formats it)
 */
export function formatMeasureLogRecord(record: MeasureLogRecord, context: { bootId?: string; timestamp?: number } = {}): string {
  const bootId = record.bootId ?? context.bootId;
  const timestamp = record.timestamp ?? context.timestamp;
  // Key order follows systemd's builder, so logs written by both diff cleanly.
  const content: Record<string, unknown> = {};
  if (record.description !== undefined) content.string = record.description;
  if (bootId !== undefined) content.bootId = bootId.replace(/-/g, "").toLowerCase();
  if (timestamp !== undefined) content.timestamp = timestamp;
  const json = {
    pcr: record.pcr,
    digests: record.digests.map((d) => ({ hashAlg: d.algorithm, digest: toHex(d.digest) })),
    content_type: "systemd",
    content,
  };
  return `${RS}${JSON.stringify(json)}\n`;
}

/** The whole log as bytes, for the initrd. */
export function formatMeasureLog(records: MeasureLogRecord[], context: { bootId?: string; timestamp?: number } = {}): Uint8Array {
  return new TextEncoder().encode(records.map((r) => formatMeasureLogRecord(r, context)).join(""));
}

/**
 * Reads a log written by systemd or by ukiboot. Records of other content types are skipped.
 * @throws FormatError when a record is not JSON or lacks pcr/digests
 */
export function parseMeasureLog(text: string, opts: { source: string }): MeasureLogRecord[] {
  const out: MeasureLogRecord[] = [];
  const chunks = text.split(RS);
  chunks.forEach((chunk, i) => {
    if (chunk.trim() === "") return;
    let v: unknown;
    try {
      v = JSON.parse(chunk);
    } catch (e) {
      throw new FormatError("tpm", opts.source, `Cannot parse measurement log "${opts.source}": record ${i} is not JSON`, { cause: e });
    }
    const o = v as { pcr?: unknown; digests?: unknown; content_type?: unknown; content?: Record<string, unknown> };
    if (typeof o.pcr !== "number" || !Array.isArray(o.digests)) {
      throw new FormatError("tpm", opts.source, `Cannot parse measurement log "${opts.source}": record ${i} has no "pcr" or "digests"`);
    }
    if (o.content_type !== "systemd") return;
    const digests: BankDigest[] = [];
    for (const d of o.digests as { hashAlg?: unknown; digest?: unknown }[]) {
      const bytes = typeof d.digest === "string" ? fromHex(d.digest) : undefined;
      if (typeof d.hashAlg === "string" && isDigestAlgorithm(d.hashAlg) && bytes) digests.push({ algorithm: d.hashAlg, digest: bytes });
    }
    const record: MeasureLogRecord = { pcr: o.pcr, digests };
    if (typeof o.content?.string === "string") record.description = o.content.string;
    if (typeof o.content?.bootId === "string") record.bootId = o.content.bootId;
    if (typeof o.content?.timestamp === "number") record.timestamp = o.content.timestamp;
    out.push(record);
  });
  return out;
}
