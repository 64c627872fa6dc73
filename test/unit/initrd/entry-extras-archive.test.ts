/**
 * The archives systemd-boot 262 makes of a Type #1 entry's `extra` files (docs/initrd.md §4): one per kind, in
 * line order, not sorted; the directories written again before every file; one inode counter over all three.
 */
import { describe, expect, test } from "bun:test";
import { bytesSource, materializeSource } from "../../../src/bytes/byte-source.ts";
import { describeEntryExtraArchives, ENTRY_EXTRA_TARGETS } from "../../../src/initrd/entry-extras-archive.ts";
import { listNewcArchive } from "../../../src/initrd/list-archive.ts";

const text = (s: string) => bytesSource(new TextEncoder().encode(s));

describe("describeEntryExtraArchives()", () => {
  test("interleaved kinds: each archive in line order, prefixes repeated, inodes shared", async () => {
    const a = describeEntryExtraArchives([
      { kind: "credential", fileName: "z.cred", content: text("zz") },
      { kind: "sysext", fileName: "b.sysext.raw", content: text("sysext-b") },
      { kind: "credential", fileName: "a.cred", content: text("a") },
      { kind: "confext", fileName: "c.confext.raw", content: text("confext-c") },
    ]);
    const list = async (s: typeof a.credential) =>
      (await listNewcArchive(materializeSource(s!))).entries.map((e) => [e.ino, e.name, (e.mode & 0o7777).toString(8), e.size]);
    expect(await list(a.credential)).toEqual([
      [1, ".extra", "555", 0],
      [2, ".extra/credentials", "500", 0],
      [3, ".extra/credentials/z.cred", "400", 2],
      [7, ".extra", "555", 0],
      [8, ".extra/credentials", "500", 0],
      [9, ".extra/credentials/a.cred", "400", 1],
    ]);
    expect(await list(a.sysext)).toEqual([
      [4, ".extra", "555", 0],
      [5, ".extra/sysext", "555", 0],
      [6, ".extra/sysext/b.sysext.raw", "444", 8],
    ]);
    expect(await list(a.confext)).toEqual([
      [10, ".extra", "555", 0],
      [11, ".extra/confext", "555", 0],
      [12, ".extra/confext/c.confext.raw", "444", 9],
    ]);
  });

  test("a kind without files has no archive", () => {
    const a = describeEntryExtraArchives([{ kind: "sysext", fileName: "x.sysext.raw", content: text("x") }]);
    expect(a.credential).toBeUndefined();
    expect(a.confext).toBeUndefined();
    expect(a.sysext).toBeDefined();
  });

  test("the PCRs and event descriptions of systemd-boot's load_extras()", () => {
    expect(ENTRY_EXTRA_TARGETS).toMatchObject({
      credential: { pcr: 12, description: "Entry credentials initrd" },
      sysext: { pcr: 13, description: "Entry system extension initrd" },
      confext: { pcr: 12, description: "Entry configuration extension initrd" },
    });
  });

  test("the bytes of one archive, read by eye: header, name, NUL padding, data, trailer", () => {
    const a = describeEntryExtraArchives([{ kind: "credential", fileName: "k.cred", content: text("K") }]);
    const s = new TextDecoder().decode(materializeSource(a.credential!));
    expect(s.slice(0, 110)).toBe("070701" + "00000001" + "0000416d" + "00000000".repeat(2) + "00000001" + "00000000".repeat(6) + "00000007" + "00000000");
    expect(s.slice(110, 120)).toBe(".extra\0\0\0\0");
    expect(s).toContain(".extra/credentials/k.cred\0K\0\0\0" + "070701");
    expect(s.endsWith("TRAILER!!!\0\0\0\0")).toBe(true);
  });
});
