import { expect, test } from "bun:test";
import { parseLabReport, pcrlockVerdicts } from "../../lab/lab-report.ts";

/** A report as the Debian target prints it, with console noise in front of some lines. */
const REPORT = [
  "[   61.2] systemd[1]: Started lab-report.service",
  "LAB-REPORT-BEGIN",
  "LAB-STATE running",
  "LAB-CMDLINE root=LABEL=lab-root ro retain_initrd lab.addon=1",
  "LAB-PCR 11 ABCDEF",
  "LAB-CREDENTIAL ukiboot.booted-entry debian-b-2.0.efi",
  "\u001b[0mLAB-CREDENTIALS @system/ukiboot.booted-entry @encrypted/lab ",
  "LAB-EXTRA .extra/credentials/lab.cred",
  "LAB-EXTRA .extra/sysext/lab.sysext.raw",
  "LAB-FAILED ",
  'LAB-MEASURE {"pcr":15,"digests":[{"hashAlg":"sha256","digest":"' +
    "11".repeat(32) +
    '"}],"content_type":"systemd","content":{"eventType":"machine-id","string":"machine-id:6c61"}}',
  'LAB-MEASURE {"pcr":11,"digests":[{"hashAlg":"sha256","digest":"' +
    "22".repeat(32) +
    '"}],"content_type":"systemd","content":{"eventType":"phase","string":"enter-initrd"}}',
  "LAB-PCRPHASE [   14.1] lab systemd[1]: Finished systemd-pcrphase-initrd.service - TPM PCR Barrier (initrd).",
  "LAB-REPORT-END",
].join("\r\n");

test("parseLabReport() reads the credentials systemd imported and the .extra names of the retained initrd", () => {
  const r = parseLabReport(REPORT)!;
  expect(r.state).toBe("running");
  expect(r.cmdline).toBe("root=LABEL=lab-root ro retain_initrd lab.addon=1");
  expect(r.pcrs[11]).toBe("abcdef");
  expect(r.bootedEntry).toBe("debian-b-2.0.efi");
  expect(r.credentials).toEqual(["@system/ukiboot.booted-entry", "@encrypted/lab"]);
  expect(r.extras).toEqual([".extra/credentials/lab.cred", ".extra/sysext/lab.sysext.raw"]);
  expect(r.failedUnits).toEqual([]);
});

test("parseLabReport() reads the target systemd's own measurement log, record by record", () => {
  const r = parseLabReport(REPORT)!;
  expect(r.measurements.map((m) => [m.pcr, m.description])).toEqual([
    [15, "machine-id:6c61"],
    [11, "enter-initrd"],
  ]);
  expect(Buffer.from(r.measurements[1]!.digests[0]!.digest).toString("hex")).toBe("22".repeat(32));
  expect(r.unreadableMeasurements).toEqual([]);
  expect(r.pcrphaseJournal).toEqual(["[   14.1] lab systemd[1]: Finished systemd-pcrphase-initrd.service - TPM PCR Barrier (initrd)."]);
  expect(parseLabReport("LAB-REPORT-BEGIN\nLAB-STATE running\nLAB-REPORT-END")!.measurements).toEqual([]);
});

test("parseLabReport() keeps a LAB-MEASURE line that is not a record aside, and still reads the rest of the report", () => {
  const r = parseLabReport(REPORT.replace('"content_type":"systemd","content":{"eventType":"phase"', '"cont[   61.3] tpm'))!;
  expect(r.measurements.map((m) => m.pcr)).toEqual([15]);
  expect(r.unreadableMeasurements).toHaveLength(1);
  expect(r.unreadableMeasurements[0]).toContain("[   61.3] tpm");
  expect(r.extras).toHaveLength(2);
});

test("parseLabReport() takes the last complete report, and none without one", () => {
  const two = `${REPORT.replace("running", "degraded")}\n${REPORT}`;
  expect(parseLabReport(two)!.state).toBe("running");
  expect(parseLabReport("LAB-REPORT-BEGIN\nLAB-STATE running\n")).toBeNull();
});

test("parseLabReport() keeps systemd-pcrlock's JSON whole and its exit status; pcrlockVerdicts() reads it by PCR", () => {
  const lines = [
    "LAB-REPORT-BEGIN",
    'LAB-PCRLOCK Event log record 0 (PCR 0, "Raw") not matching any component.',
    "LAB-PCRLOCK {",
    'LAB-PCRLOCK         "log" : [],',
    'LAB-PCRLOCK         "pcrs" : [ { "pcr" : 11, "hashMatchesEventLog" : true }, { "pcr" : 12, "hashMatchesEventLog" : false } ]',
    "LAB-PCRLOCK }",
    "LAB-PCRLOCK LAB-PCRLOCK-STATUS 0",
    "LAB-BLAME 12.5s systemd-udev-settle.service",
    "LAB-REPORT-END",
  ].join("\n");
  const r = parseLabReport(lines)!;
  expect(r.pcrlock?.status).toBe(0);
  expect(r.pcrlock?.messages).toEqual(['Event log record 0 (PCR 0, "Raw") not matching any component.']);
  const v = pcrlockVerdicts(r);
  expect(v.get(11)?.hashMatchesEventLog).toBe(true);
  expect(v.get(12)?.hashMatchesEventLog).toBe(false);
  expect(r.blame).toEqual(["12.5s systemd-udev-settle.service"]);
  expect(() => pcrlockVerdicts(parseLabReport(REPORT)!)).toThrow("no LAB-PCRLOCK lines");
  expect(() => pcrlockVerdicts(parseLabReport(lines.replace('"pcrs"', '"other"'))!)).toThrow('no "pcrs" array');
  expect(() => pcrlockVerdicts(parseLabReport(lines.replace("LAB-PCRLOCK }", "LAB-PCRLOCK Failed to open TPM"))!)).toThrow("is not JSON");
});
