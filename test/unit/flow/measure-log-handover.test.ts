import { describe, expect, test } from "bun:test";
import { HANDOVER_DROPIN_TEXT, HANDOVER_UNIT_TEXT, measureLogArchive } from "../../../src/flow/measure-log-handover.ts";
import { writeNewcArchive } from "../../../src/initrd/cpio-newc.ts";
import { listNewcArchive } from "../../../src/initrd/list-archive.ts";

const LOG = new TextEncoder().encode('\x1e{"pcr":11,"digests":[],"content_type":"systemd","content":{"string":".linux"}}\n');

describe("the measurement log's archive for the target", () => {
  test("holds the log, the unit and the drop-in that pulls it in, with the modes the kernel will apply", async () => {
    const listing = await listNewcArchive(measureLogArchive(LOG));
    expect(listing.complete).toBe(true);
    expect(listing.entries.map((e) => `${e.type} ${(e.mode & 0o7777).toString(8)} ${e.name} ${e.size}`)).toEqual([
      "directory 555 .extra 0",
      `file 444 .extra/tpm2-measure.log ${LOG.length}`,
      "directory 755 etc 0",
      "directory 755 etc/systemd 0",
      "directory 755 etc/systemd/system 0",
      `file 644 etc/systemd/system/ukiboot-measure-log.service ${HANDOVER_UNIT_TEXT.length}`,
      "directory 755 etc 0",
      "directory 755 etc/systemd 0",
      "directory 755 etc/systemd/system 0",
      "directory 755 etc/systemd/system/sysinit.target.d 0",
      `file 644 etc/systemd/system/sysinit.target.d/50-ukiboot-measure-log.conf ${HANDOVER_DROPIN_TEXT.length}`,
    ]);
  });

  test("starts with the bytes of the /.extra archive alone, so a reader of only the log finds it where it was", () => {
    const alone = writeNewcArchive({ target: ".extra", dirMode: 0o555, fileMode: 0o444, files: [{ name: "tpm2-measure.log", bytes: LOG }] });
    const archive = measureLogArchive(LOG);
    // Everything of the log's archive but its trailer.
    const head = alone.length - 124;
    expect(Buffer.from(archive.subarray(0, head)).equals(Buffer.from(alone.subarray(0, head)))).toBe(true);
  });

  test("the unit runs in the initrd only, before the target's own first measurements, and appends", () => {
    expect(HANDOVER_UNIT_TEXT).toBe(`[Unit]
Description=Hand ukiboot's TPM measurement log to systemd
DefaultDependencies=no
ConditionPathExists=/etc/initrd-release
ConditionPathExists=/.extra/tpm2-measure.log
Before=sysinit.target systemd-pcrphase-initrd.service systemd-tpm2-setup-early.service cryptsetup-pre.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'mkdir -p /run/log/systemd && umask 077 && cat /.extra/tpm2-measure.log >>/run/log/systemd/tpm2-measure.log'
`);
    expect(HANDOVER_DROPIN_TEXT).toBe("[Unit]\nWants=ukiboot-measure-log.service\n");
  });
});
