import { describe, expect, test } from "bun:test";
import { FormatError } from "../../../src/errors.ts";
import { bytesSource, materializeSource } from "../../../src/bytes/byte-source.ts";
import { describeTargetArchive } from "../../../src/initrd/cpio-targets.ts";
import { listNewcArchive } from "../../../src/initrd/list-archive.ts";
import { gnuCpioArchive } from "../support/real-members.ts";

const enc = new TextEncoder();
const creds = materializeSource(
  describeTargetArchive("credentials", [
    { name: "b.cred", content: bytesSource(enc.encode("bee")) },
    { name: "a.cred", content: bytesSource(enc.encode("a\n")) },
  ]),
);

describe("listNewcArchive()", () => {
  test("lists ukiboot's credentials archive as GNU cpio does", async () => {
    const listing = await listNewcArchive(creds);
    expect(listing.complete).toBe(true);
    expect(listing.entries.map((e) => [e.name, e.type, e.mode.toString(8), e.ino, e.nlink, e.mtime, e.size])).toEqual([
      [".extra", "directory", "40555", 1, 1, 0, 0],
      [".extra/credentials", "directory", "40500", 2, 1, 0, 0],
      [".extra/credentials/a.cred", "file", "100400", 3, 1, 0, 2],
      [".extra/credentials/b.cred", "file", "100400", 4, 1, 0, 3],
    ]);
    const gnu = Bun.spawnSync(["cpio", "-it", "--quiet"], { stdin: creds, stdout: "pipe" });
    expect(listing.entries.map((e) => e.name)).toEqual(gnu.stdout.toString().trim().split("\n"));
  });

  test("lists an archive written by GNU cpio, whose last record before the trailer has data", async () => {
    const a = gnuCpioArchive({ "etc/hostname": "host\n", "usr/bin/tool": "x".repeat(70000) });
    const listing = await listNewcArchive(a);
    expect(listing.complete).toBe(true);
    expect(listing.entries.map((e) => [e.name, e.size])).toEqual([
      ["etc", 0],
      ["etc/hostname", 5],
      ["usr", 0],
      ["usr/bin", 0],
      ["usr/bin/tool", 70000],
    ]);
  });

  test("reports an archive cut short as incomplete", async () => {
    const listing = await listNewcArchive(creds.subarray(0, 400));
    expect(listing.complete).toBe(false);
    expect(listing.entries.map((e) => e.name)).toEqual([".extra", ".extra/credentials", ".extra/credentials/a.cred"]);
  });

  test("throws a FormatError for data that is not cpio", async () => {
    await expect(listNewcArchive(enc.encode("MZ not an archive at all, just text"), { source: "x.efi .initrd" })).rejects.toBeInstanceOf(FormatError);
  });
});
