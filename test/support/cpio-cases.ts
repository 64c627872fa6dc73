/** The newc archives written to test/golden/cpio/, each checked by eye against docs/initrd.md §4. */
import { bytesSource, materializeSource } from "../../src/bytes/byte-source.ts";
import { writeNewcArchive } from "../../src/initrd/cpio-newc.ts";
import { CPIO_TARGETS, describeExtraFileArchive, describeTargetArchive } from "../../src/initrd/cpio-targets.ts";

const enc = new TextEncoder();

export const CASES: Record<string, () => Uint8Array> = {
  // docs/initrd.md §4's own example: .extra (ino 1, 0555), .extra/credentials (ino 2, 0500), a.cred (3), b.cred (4), trailer.
  "credentials-two-files": () =>
    materializeSource(
      describeTargetArchive("credentials", [
        { name: "b.cred", content: bytesSource(enc.encode("bee")) },
        { name: "a.cred", content: bytesSource(enc.encode("a\n")) },
      ]),
    ),
  // A literal /.extra archive: one 0555 directory, one 0444 file.
  "osrel-literal": () =>
    materializeSource(describeExtraFileArchive("osrel", bytesSource(enc.encode('ID=debian\nPRETTY_NAME="Debian GNU/Linux 13 (trixie)"\n')))),
  // Data of 0..4 bytes exercises every amount of data padding; upper case sorts before lower case.
  "sysext-padding": () =>
    writeNewcArchive({
      target: CPIO_TARGETS.sysext.target,
      dirMode: CPIO_TARGETS.sysext.dirMode,
      fileMode: CPIO_TARGETS.sysext.fileMode,
      files: [
        { name: "e.raw", bytes: new Uint8Array(0) },
        { name: "d.raw", bytes: enc.encode("1234") },
        { name: "c.raw", bytes: enc.encode("123") },
        { name: "b.raw", bytes: enc.encode("12") },
        { name: "a.raw", bytes: enc.encode("1") },
        { name: "Z.raw", bytes: enc.encode("upper") },
      ],
    }),
  // What the stub writes when files matched but none could be read: the directories and the trailer.
  "global-credentials-no-files": () => materializeSource(describeTargetArchive("globalCredentials", [])),
};
