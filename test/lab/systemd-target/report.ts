/**
 * The report the systemd target prints on the serial console: the script and units that print it in the
 * initrd and after switch-root, and the parser the tests read it with.
 */
import { PCRPHASE_UNITS } from "../../../src/tpm/phase-measure-words.ts";
import { SWITCH_ROOT_WORD } from "./cmdline.ts";

/** Marker prefix of every report line on the serial console. */
export const SYSTEMD_TARGET_SENTINEL = "SYSTEMD-TARGET";

/** Where a report comes from: the initrd, or the host system after switch-root. */
export type SystemdTargetStage = "initrd" | "host";

/** The pcrphase units the report shows, in boot order. */

export const REPORT_SCRIPT_PATH = "usr/lib/ukiboot/systemd-target-report.sh";
export const REPORT_UNITS: Record<SystemdTargetStage, { name: string; wantedBy: string }> = {
  initrd: { name: "ukiboot-systemd-target-report.service", wantedBy: "initrd.target" },
  host: { name: "ukiboot-systemd-target-host-report.service", wantedBy: "basic.target" },
};

const HOST_OS_RELEASE = `NAME="ukiboot systemd target"
ID=ukiboot-systemd-target
PRETTY_NAME="ukiboot systemd 257 target host"
VERSION_ID=257
`;

/** The report, run by busybox sh as a oneshot service; `$1` is the stage. */
export function systemdTargetReportScript(): string {
  const S = SYSTEMD_TARGET_SENTINEL;
  return `#!/bin/sh
# Prints what decides and what shows the phase measurements, then powers off at once (a clean shutdown
# would extend PCR 11 further: "leave-initrd" in the initrd, "shutdown" and "final" on the host), or, in
# the initrd with ${SWITCH_ROOT_WORD}, switches root into a copy of itself.
export PATH=/usr/bin
stage=$1
echo "${S}-BEGIN stage=$stage"
echo "${S}-CMDLINE $(cat /proc/cmdline)"
if [ -d /sys/firmware/efi ]; then echo "${S}-EFI yes"; else echo "${S}-EFI no"; fi
if [ -e /sys/firmware/acpi/tables/TPM2 ]; then echo "${S}-ACPI-TPM2 yes"; else echo "${S}-ACPI-TPM2 no"; fi
echo "${S}-PID1-ENV $(tr '\\000' '\\n' < /proc/1/environ | grep '^SYSTEMD_FORCE_MEASURE=' || echo none)"
echo "${S}-MANAGER-ENV $(systemctl show-environment | grep '^SYSTEMD_FORCE_MEASURE=' || echo none)"
for u in ${PCRPHASE_UNITS.join(" ")}; do
  echo "${S}-UNIT $u $(systemctl show -p ConditionResult -p ActiveState -p Result -p ExecMainStatus $u | tr '\\n' ' ')"
done
echo "${S}-PCR11 $(cat /sys/class/tpm/tpm0/pcr-sha256/11)"
if [ -e /run/log/systemd/tpm2-measure.log ]; then
  # JSON-SEQ: each record starts with an ASCII RS (0x1e).
  tr '\\036' '\\n' < /run/log/systemd/tpm2-measure.log | grep . | while read -r l; do echo "${S}-MEASURE-LOG $l"; done
else
  echo "${S}-MEASURE-LOG-ABSENT"
fi
echo "${S}-END stage=$stage"
if [ "$stage" = initrd ] && grep -qw '${SWITCH_ROOT_WORD}' /proc/cmdline; then
  mkdir -p /sysroot
  mount -t tmpfs -o mode=0755 tmpfs /sysroot
  cp -a /usr /etc /bin /sbin /lib /lib64 /var /init /sysroot/
  mkdir /sysroot/dev /sysroot/proc /sysroot/sys /sysroot/run /sysroot/tmp /sysroot/root
  rm /sysroot/etc/initrd-release /sysroot/etc/os-release
  cat > /sysroot/etc/os-release <<'OSREL'
${HOST_OS_RELEASE}OSREL
  # Stops everything the switch does not need (systemd-pcrphase-initrd.service included), then switches.
  exec systemctl --no-block isolate initrd-switch-root.target
fi
poweroff -f
`;
}

/** A unit that runs the report for `stage`, after the phase barriers of that stage had their chance. */
export function systemdTargetReportUnit(stage: SystemdTargetStage): string {
  const after = stage === "initrd" ? "systemd-pcrphase-initrd.service" : "systemd-pcrphase-sysinit.service systemd-pcrphase.service";
  return `[Unit]
Description=ukiboot systemd target report (${stage})
After=basic.target ${after}
ConditionPathExists=${stage === "initrd" ? "" : "!"}/etc/initrd-release

[Service]
Type=oneshot
StandardOutput=tty
StandardError=tty
TTYPath=/dev/console
ExecStart=/usr/bin/sh /${REPORT_SCRIPT_PATH} ${stage}
`;
}

/** What a report unit printed. */
export interface SystemdTargetReport {
  stage: SystemdTargetStage;
  cmdline: string;
  efi: boolean;
  acpiTpm2: boolean;
  /** `SYSTEMD_FORCE_MEASURE=…` in PID 1's own environment, or null. */
  pid1Env: string | null;
  /** `SYSTEMD_FORCE_MEASURE=…` in the manager's environment for services, or null. */
  managerEnv: string | null;
  /** Per pcrphase unit, `systemctl show` values: ConditionResult, ActiveState, Result, ExecMainStatus. */
  units: Record<string, Record<string, string>>;
  /** sha256 bank, lower-case hex. */
  pcr11: string;
  /** Records of /run/log/systemd/tpm2-measure.log (JSON), or null when the file does not exist. */
  measureLog: unknown[] | null;
}

/** Parses the last report block of `stage` out of a console log; null when there is none (or it is incomplete). */
export function parseSystemdTargetReport(log: string, stage: SystemdTargetStage = "initrd"): SystemdTargetReport | null {
  const S = SYSTEMD_TARGET_SENTINEL;
  const clean = log.replace(/\r/g, "");
  const begin = clean.lastIndexOf(`${S}-BEGIN stage=${stage}\n`);
  if (begin < 0) return null;
  const end = clean.indexOf(`${S}-END stage=${stage}`, begin);
  if (end < 0) return null;
  const report: SystemdTargetReport = {
    stage,
    cmdline: "",
    efi: false,
    acpiTpm2: false,
    pid1Env: null,
    managerEnv: null,
    units: {},
    pcr11: "",
    measureLog: null,
  };
  const value = (l: string, tag: string) => (l.startsWith(`${S}-${tag} `) ? l.slice(`${S}-${tag} `.length).trim() : undefined);
  for (const l of clean.slice(begin, end).split("\n")) {
    let v: string | undefined;
    if ((v = value(l, "CMDLINE")) !== undefined) report.cmdline = v;
    else if ((v = value(l, "EFI")) !== undefined) report.efi = v === "yes";
    else if ((v = value(l, "ACPI-TPM2")) !== undefined) report.acpiTpm2 = v === "yes";
    else if ((v = value(l, "PID1-ENV")) !== undefined) report.pid1Env = v === "none" ? null : v;
    else if ((v = value(l, "MANAGER-ENV")) !== undefined) report.managerEnv = v === "none" ? null : v;
    else if ((v = value(l, "UNIT")) !== undefined) {
      const [unit, ...props] = v.split(/\s+/);
      report.units[unit!] = Object.fromEntries(props.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
    } else if ((v = value(l, "PCR11")) !== undefined) report.pcr11 = v.toLowerCase();
    else if ((v = value(l, "MEASURE-LOG")) !== undefined) (report.measureLog ??= []).push(JSON.parse(v));
  }
  return report;
}
