/**
 * How ukiboot's measurement log reaches the place where the target's tools look for it
 * (docs/measurements.md §4).
 *
 * A verifier such as `systemd-pcrlock log` replays two logs: the firmware's (which ukiboot cannot append to)
 * and systemd's userspace log, /run/log/systemd/tpm2-measure.log. The target's /run is a fresh tmpfs, so a
 * file put there by the initrd would be hidden. ukiboot therefore ships its records as
 * /.extra/tpm2-measure.log, and with them a unit for the target's systemd in the initrd that appends them
 * to the userspace log before any of the target's own userspace measurements: then the log holds every
 * extend in the order it happened, and PCRs 11, 12 and 13 replay. Without systemd in the initrd the unit is
 * never read and the records stay in /.extra only.
 */
import { bytesSource, materializeSource } from "../bytes/byte-source.ts";
import { NewcWriter } from "../initrd/cpio-newc.ts";
import { EXTRA_DIR, EXTRA_DIR_MODE, EXTRA_FILE_MODE } from "../initrd/cpio-targets.ts";
import { MEASURE_LOG_INITRD_PATH, MEASURE_LOG_RUN_PATH } from "../tpm/event-log.ts";

export const HANDOVER_UNIT = "ukiboot-measure-log.service";
const UNIT_DIR = "etc/systemd/system";

/**
 * The unit. It runs in the initrd only (after switch-root the log is already in /run), before
 * systemd-pcrphase-initrd's enter-initrd and systemd-tpm2-setup-early, the first of the target's own
 * measurements, and before anything that unlocks a disk. It appends rather than replaces, so that nothing a
 * component wrote earlier is lost, and the log keeps systemd's mode 0600.
 */
export const HANDOVER_UNIT_TEXT = `[Unit]
Description=Hand ukiboot's TPM measurement log to systemd
DefaultDependencies=no
ConditionPathExists=/etc/initrd-release
ConditionPathExists=/${MEASURE_LOG_INITRD_PATH}
Before=sysinit.target systemd-pcrphase-initrd.service systemd-tpm2-setup-early.service cryptsetup-pre.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'mkdir -p ${dirname(MEASURE_LOG_RUN_PATH)} && umask 077 && cat /${MEASURE_LOG_INITRD_PATH} >>${MEASURE_LOG_RUN_PATH}'
`;

/** Pulls the unit in without a symlink (the archive holds regular files only). */
export const HANDOVER_DROPIN_TEXT = `[Unit]
Wants=${HANDOVER_UNIT}
`;

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

/**
 * The archive appended to the target's initrd: the log under /.extra (0555/0444 as systemd-stub writes
 * its files), then the unit and its drop-in under /etc/systemd/system with the usual 0755/0644, because the
 * kernel applies an archive's directory modes to directories that exist already.
 */
export function measureLogArchive(log: Uint8Array): Uint8Array {
  const w = new NewcWriter({ next: 1 });
  w.prefix(EXTRA_DIR, EXTRA_DIR_MODE);
  w.file(MEASURE_LOG_INITRD_PATH, EXTRA_FILE_MODE, bytesSource(log));
  w.prefix(UNIT_DIR, 0o755, 0o755);
  w.file(`${UNIT_DIR}/${HANDOVER_UNIT}`, 0o644, bytesSource(new TextEncoder().encode(HANDOVER_UNIT_TEXT)));
  w.prefix(`${UNIT_DIR}/sysinit.target.d`, 0o755, 0o755);
  w.file(`${UNIT_DIR}/sysinit.target.d/50-${HANDOVER_UNIT.replace(/\.service$/, "")}.conf`, 0o644, bytesSource(new TextEncoder().encode(HANDOVER_DROPIN_TEXT)));
  return materializeSource(w.finish());
}
