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
   * The userspace measurement log (/run/log/systemd/tpm2-measure.log, one record a LAB-MEASURE line): what
   * ukiboot handed over, then the target systemd's own (see splitMeasurements()), the boot phases among them. systemd-pcrextend --graceful logs nothing when it
   * skips, so these are exactly the extends it made.
   */
  measurements: MeasureLogRecord[];
  /** LAB-MEASURE lines that are not a record (a console write cut into one, say): a reader of `measurements` checks this is empty. */
  unreadableMeasurements: string[];
  /** The journal of the three systemd-pcrphase units in this boot, for a reader who finds a phase missing. */
  pcrphaseJournal: string[];
  /** `systemd-pcrlock log --json=pretty`: its output and exit status, or null where the system has no pcrlock. */
  pcrlock: { status: number; output: string; messages: string[] } | null;
  /** `systemd-analyze blame` (the slowest units) and its summary line: where the target's start went. */
  blame: string[];
}

/**
 * The userspace log split by who wrote it: after a boot through ukiboot it starts with ukiboot's records,
 * appended by the unit ukiboot ships in the initrd (src/flow/measure-log-handover.ts), under the boot ID of
 * ukiboot's own boot; the target's systemd writes the rest under the target's boot ID.
 */
export function splitMeasurements(report: LabReport): { handedOver: MeasureLogRecord[]; own: MeasureLogRecord[] } {
  const target = report.measurements.at(-1)?.bootId;
  return {
    handedOver: report.measurements.filter((m) => m.bootId !== target),
    own: report.measurements.filter((m) => m.bootId === target),
  };
}

/** One PCR as `systemd-pcrlock log --json` judges it against the logs it replayed. */
export interface PcrlockVerdict {
  pcr: number;
  /** The value the TPM holds equals the replay of the firmware's and the userspace log. */
  hashMatchesEventLog: boolean;
}

/**
 * The PCRs of a pcrlock report, by index.
 * @throws Error naming what is wrong when pcrlock failed or its output is not the JSON it writes
 */
export function pcrlockVerdicts(report: LabReport): Map<number, PcrlockVerdict & Record<string, unknown>> {
  if (!report.pcrlock)
    throw new Error("Cannot read systemd-pcrlock's verdict: the report has no LAB-PCRLOCK lines (is /usr/lib/systemd/systemd-pcrlock in the system?)");
  let json: { pcrs?: (PcrlockVerdict & Record<string, unknown>)[] };
  try {
    json = JSON.parse(report.pcrlock.output);
  } catch (e) {
    throw new Error(
      `Cannot read systemd-pcrlock's verdict: its output (exit status ${report.pcrlock.status}) is not JSON: ${(e as Error).message}\n${report.pcrlock.output.slice(0, 2000)}`,
    );
  }
  if (!Array.isArray(json.pcrs))
    throw new Error(`Cannot read systemd-pcrlock's verdict: its JSON has no "pcrs" array\n${report.pcrlock.output.slice(0, 2000)}`);
  return new Map(json.pcrs.map((p) => [p.pcr, p]));
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
    pcrlock: null,
    blame: [],
  };
  const pcrlockLines: string[] = [];
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
    else if (tag === "LAB-BLAME") r.blame.push(value.trim());
    else if (tag === "LAB-PCRLOCK") {
      const status = /^LAB-PCRLOCK-STATUS (\d+)/.exec(value);
      // Its messages (components it does not know) come on stderr, before the JSON; they are kept apart.
      const json = pcrlockLines.indexOf("{");
      if (status)
        r.pcrlock = {
          status: Number(status[1]),
          output: json < 0 ? pcrlockLines.join("\n") : pcrlockLines.slice(json).join("\n"),
          messages: pcrlockLines.slice(0, Math.max(0, json)),
        };
      else pcrlockLines.push(value);
    } else if (tag === "LAB-MEASURE") {
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
