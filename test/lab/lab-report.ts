/**
 * The report the Debian target system prints at multi-user.target (test/lab/debian-system.ts): LAB- lines
 * on the serial console between LAB-REPORT-BEGIN and LAB-REPORT-END.
 */
import { parseMeasureLog, type MeasureLogRecord } from "../../src/tpm/event-log.ts";

export interface LabReport {
  /** `systemctl is-system-running --wait`: running, degraded, … */
  state: string;
  cmdline: string;
  /** PCR index → SHA-256 bank value, lower-case hex ("none" without a TPM). */
  pcrs: Record<number, string>;
  /** LoaderBootCountPath as the target saw it, or "(unset)". */
  bootCountPath: string;
  /** /run/credentials/@system/ukiboot.booted-entry, or "(none)". */
  bootedEntry: string;
  /** systemd-bless-boot.service's ActiveState and Result, space-separated. */
  bless: string;
  bootctlStatus: string[];
  bootctlList: string[];
  /** `ukiboot list` in the target, when ukiboot is installed there. */
  ukibootList: string[];
  failedUnits: string[];
  /** /sys/firmware/initrd (retain_initrd): SHA-256 and size, and whether it was written to /dev/vda. */
  initrd?: { sha256: string; size: number; dumped: boolean };
  /** The names in /run/credentials/@system and @encrypted, as `@system/NAME` and `@encrypted/NAME`. */
  credentials: string[];
  /** `.extra/…` paths in the uncompressed archives of the retained initrd. */
  extras: string[];
  /**
   * The target systemd's own measurements (/run/log/systemd/tpm2-measure.log, one record a LAB-MEASURE line):
   * the boot phases it extended into PCR 11, among others. systemd-pcrextend --graceful logs nothing when it
   * skips, so these are exactly the extends it made.
   */
  measurements: MeasureLogRecord[];
  /** LAB-MEASURE lines that are not a record (a console write cut into one, say): a reader of `measurements` checks this is empty. */
  unreadableMeasurements: string[];
  /** The journal of the three systemd-pcrphase units in this boot, for a reader who finds a phase missing. */
  pcrphaseJournal: string[];
}

/** The last complete report in `log`, or null when there is none. */
export function parseLabReport(log: string): LabReport | null {
  const end = log.lastIndexOf("LAB-REPORT-END");
  const begin = log.lastIndexOf("LAB-REPORT-BEGIN", end);
  if (begin < 0 || end < 0) return null;
  const r: LabReport = {
    state: "",
    cmdline: "",
    pcrs: {},
    bootCountPath: "",
    bootedEntry: "",
    bless: "",
    bootctlStatus: [],
    bootctlList: [],
    ukibootList: [],
    failedUnits: [],
    credentials: [],
    extras: [],
    measurements: [],
    unreadableMeasurements: [],
    pcrphaseJournal: [],
  };
  for (const raw of log.slice(begin, end).split(/\r?\n/)) {
    // The console may interleave escape sequences of other writers: read from the marker on.
    const at = raw.indexOf("LAB-");
    if (at < 0) continue;
    const line = raw.slice(at);
    const [tag, ...rest] = line.split(" ");
    const value = rest.join(" ");
    if (tag === "LAB-STATE") r.state = value.trim();
    else if (tag === "LAB-CMDLINE") r.cmdline = value.trim();
    else if (tag === "LAB-PCR") r.pcrs[Number(rest[0])] = (rest[1] ?? "").toLowerCase();
    else if (tag === "LAB-EFIVAR" && rest[0] === "LoaderBootCountPath") r.bootCountPath = rest.slice(1).join(" ").trim();
    else if (tag === "LAB-CREDENTIAL") r.bootedEntry = rest.slice(1).join(" ").trim();
    else if (tag === "LAB-BLESS") r.bless = value.trim();
    else if (tag === "LAB-BOOTCTL-STATUS") r.bootctlStatus.push(value);
    else if (tag === "LAB-BOOTCTL-LIST") r.bootctlList.push(value);
    else if (tag === "LAB-UKIBOOT-LIST") r.ukibootList.push(value);
    else if (tag === "LAB-FAILED" && value.trim()) r.failedUnits.push(value.trim().split(/\s+/)[0]!);
    else if (tag === "LAB-INITRD") r.initrd = { sha256: rest[0] ?? "", size: Number(rest[1]), dumped: false };
    else if (tag === "LAB-INITRD-DUMPED" && r.initrd) r.initrd.dumped = true;
    else if (tag === "LAB-CREDENTIALS") r.credentials = value.trim().split(/\s+/).filter(Boolean);
    else if (tag === "LAB-EXTRA" && value.trim()) r.extras.push(value.trim());
    else if (tag === "LAB-PCRPHASE") r.pcrphaseJournal.push(value);
    else if (tag === "LAB-MEASURE") {
      // Back to the log's own form, one record after an RFC 7464 record separator.
      try {
        r.measurements.push(...parseMeasureLog(`\x1e${value}\n`, { source: "a LAB-MEASURE line" }));
      } catch {
        r.unreadableMeasurements.push(value);
      }
    }
  }
  return r;
}
