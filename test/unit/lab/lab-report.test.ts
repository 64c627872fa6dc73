import { expect, test } from "bun:test";
import { parseLabReport } from "../../lab/lab-report.ts";

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

test("parseLabReport() takes the last complete report, and none without one", () => {
  const two = `${REPORT.replace("running", "degraded")}\n${REPORT}`;
  expect(parseLabReport(two)!.state).toBe("running");
  expect(parseLabReport("LAB-REPORT-BEGIN\nLAB-STATE running\n")).toBeNull();
});
