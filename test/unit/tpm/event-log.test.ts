import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../../../src/errors.ts";
import { digestEvent } from "../../../src/tpm/apply-measurements.ts";
import { formatMeasureLog, formatMeasureLogRecord, MEASURE_LOG_INITRD_PATH, parseMeasureLog } from "../../../src/tpm/event-log.ts";
import { planMeasurements } from "../../../src/tpm/measurements.ts";

/** Written by hand with printf and sha256sum/sha1sum (see the report), in systemd's record layout. */
const GOLDEN = join(import.meta.dir, "../../fixtures/trust/tpm2-measure.log");

test("formatMeasureLog() writes systemd's JSON-SEQ records byte for byte", async () => {
  const events = planMeasurements({ kind: "uki", sections: [{ name: ".linux", data: new Uint8Array(0), size: 1 }], customCmdline: "quiet" });
  // Event 0 is the ".linux\0" name event; event 2 is the custom command line "quiet" (UTF-16 + NUL).
  const records = [
    { pcr: 11, digests: await digestEvent(events[0]!, ["sha1", "sha256"]), description: ".linux" },
    { pcr: 12, digests: await digestEvent(events[2]!, ["sha256"]), description: "quiet", timestamp: 1234567 },
  ];
  const bytes = formatMeasureLog(records, { bootId: "01234567-89ab-cdef-0123-456789abcdef" });
  expect(new TextDecoder().decode(bytes)).toBe(readFileSync(GOLDEN, "utf8"));
});

test("parseMeasureLog() reads the golden log back", () => {
  const records = parseMeasureLog(readFileSync(GOLDEN, "utf8"), { source: "golden" });
  expect(records.map((r) => [r.pcr, r.description, r.digests.map((d) => d.algorithm), r.bootId, r.timestamp])).toEqual([
    [11, ".linux", ["sha1", "sha256"], "0123456789abcdef0123456789abcdef", undefined],
    [12, "quiet", ["sha256"], "0123456789abcdef0123456789abcdef", 1234567],
  ]);
});

test("records without a description or boot ID leave those fields out, as systemd does", () => {
  expect(formatMeasureLogRecord({ pcr: 13, digests: [] })).toBe('\x1e{"pcr":13,"digests":[],"content_type":"systemd","content":{}}\n');
});

test("parseMeasureLog() skips other content types and refuses records that are not JSON", () => {
  const other = '\x1e{"pcr":0,"digests":[],"content_type":"pcclient_std","content":{}}\n';
  expect(parseMeasureLog(other, { source: "x" })).toEqual([]);
  expect(() => parseMeasureLog("\x1e{not json\n", { source: "x" })).toThrow(FormatError);
  expect(() => parseMeasureLog('\x1e{"digests":[]}\n', { source: "x" })).toThrow('record 1 has no "pcr" or "digests"');
});

test("the log goes next to the stub's other files in /.extra", () => {
  expect(MEASURE_LOG_INITRD_PATH).toBe(".extra/tpm2-measure.log");
});
