import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesSource, materializeSource, type RangeSource } from "../../../src/bytes/byte-source.ts";
import { describeNewcArchive, NEWC_TRAILER, writeNewcArchive } from "../../../src/initrd/cpio-newc.ts";
import { CPIO_TARGETS, describeExtraFileArchive, describeTargetArchive } from "../../../src/initrd/cpio-targets.ts";
import { annotatedNewcDump, expectGoldenText } from "./golden-hex.ts";

const enc = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** The cases written to test/golden/cpio/, each checked by eye against docs/initrd.md §4. */
const CASES: Record<string, () => Uint8Array> = {
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

describe("writeNewcArchive()", () => {
  for (const [name, make] of Object.entries(CASES)) {
    test(`matches the reviewed golden dump ${name}.hex`, () => {
      expectGoldenText(name, annotatedNewcDump(make(), name));
    });
  }

  test("writes the credentials example of docs/initrd.md §4 record by record", () => {
    const a = CASES["credentials-two-files"]!();
    // Record 1: ".extra" directory 040555, ino 1; header 110 + name 7 = 117, padded to 120.
    expect(text(a.subarray(0, 110))).toBe(
      "070701" +
        "00000001" +
        "0000416d" +
        "00000000" +
        "00000000" +
        "00000001" +
        "00000000" +
        "00000000" +
        "00000000" +
        "00000000" +
        "00000000" +
        "00000000" +
        "00000007" +
        "00000000",
    );
    expect(text(a.subarray(110, 120))).toBe(".extra\0\0\0\0");
    // Record 2 at 120: ".extra/credentials" 040500, ino 2, namesize 19 (0x13): ends at 249, padded to 252.
    expect(text(a.subarray(120, 120 + 110))).toBe(
      "070701" + "00000002" + "00004140" + "00000000".repeat(2) + "00000001" + "00000000".repeat(6) + "00000013" + "00000000",
    );
    // Record 3 at 252: a.cred 0100400, ino 3, size 2, namesize 26 (0x1a): name ends at 388, data 388..390, padded to 392.
    expect(text(a.subarray(252, 252 + 110))).toBe(
      "070701" + "00000003" + "00008100" + "00000000".repeat(2) + "00000001" + "00000000" + "00000002" + "00000000".repeat(4) + "0000001a" + "00000000",
    );
    expect(text(a.subarray(362, 392))).toBe(".extra/credentials/a.cred\0a\n\0\0");
    // Record 4 at 392: b.cred, ino 4, size 3: name 502..528, data 528..531, padded to 532; the trailer ends the archive.
    expect(text(a.subarray(392 + 6, 392 + 14))).toBe("00000004");
    expect(text(a.subarray(528, 532))).toBe("bee\0");
    expect(a.subarray(532)).toEqual(NEWC_TRAILER);
    expect(a.length).toBe(532 + 124);
  });

  test("ends with systemd-stub's 124-byte trailer, namesize in uppercase", () => {
    expect(NEWC_TRAILER.length).toBe(124);
    expect(text(NEWC_TRAILER)).toBe("070701" + "00000000".repeat(4) + "00000001" + "00000000".repeat(6) + "0000000B" + "00000000" + "TRAILER!!!\0\0\0\0");
  });

  test("gives the same bytes whatever the input order", () => {
    const files = [
      { name: "x.cred", bytes: enc.encode("x") },
      { name: "a.cred", bytes: enc.encode("a") },
      { name: "M.cred", bytes: enc.encode("m") },
    ];
    const spec = { target: ".extra/credentials", dirMode: 0o500, fileMode: 0o400 };
    expect(writeNewcArchive({ ...spec, files })).toEqual(writeNewcArchive({ ...spec, files: [...files].reverse() }));
  });

  test("creates each leading directory of a deeper target with 0555 and the last with dirMode", () => {
    const a = writeNewcArchive({ target: "a/b/c", dirMode: 0o700, fileMode: 0o600, files: [{ name: "f", bytes: enc.encode("1") }] });
    const modes = [0, 1, 2, 3].map((i) => recordField(a, i, 1));
    expect(modes).toEqual([0o40555, 0o40555, 0o40700, 0o100600]);
  });

  test("aligns a 255-character name as the stub does", () => {
    const name = `${"n".repeat(250)}.cred`;
    const a = writeNewcArchive({ target: ".extra/credentials", dirMode: 0o500, fileMode: 0o400, files: [{ name, bytes: enc.encode("v") }] });
    const third = 120 + 132; // after ".extra" (120) and ".extra/credentials" (110 + 19 → 132)
    expect(text(a.subarray(third + 110, third + 110 + 19 + 255))).toBe(`.extra/credentials/${name}`);
    // namesize 275: 252 + 110 + 275 = 637 → data at 640.
    expect(text(a.subarray(640, 641))).toBe("v");
    expect(a.length % 4).toBe(0);
  });

  test.each([
    ["empty name", ""],
    ["slash", "a/b.cred"],
    ["non-ASCII", "é.cred"],
    ["256 characters", `${"n".repeat(251)}.cred`],
    ["NUL", "a\0.cred"],
  ])("refuses a file name with %s", (_, name) => {
    expect(() => writeNewcArchive({ target: ".extra/x", dirMode: 0o555, fileMode: 0o444, files: [{ name, bytes: new Uint8Array(1) }] })).toThrow(RangeError);
  });

  test.each(["/abs", "./rel", "trailing/", "", "a//b"])("refuses the target %p", (target) => {
    expect(() => writeNewcArchive({ target, dirMode: 0o555, fileMode: 0o444, files: [] })).toThrow(RangeError);
  });

  test("refuses a name given twice and modes with type bits", () => {
    const f = { name: "a.cred", bytes: new Uint8Array(1) };
    expect(() => writeNewcArchive({ target: ".extra/x", dirMode: 0o555, fileMode: 0o444, files: [f, f] })).toThrow("appears twice");
    expect(() => writeNewcArchive({ target: ".extra/x", dirMode: 0o40555, fileMode: 0o444, files: [] })).toThrow(RangeError);
  });
});

describe("describeNewcArchive()", () => {
  test("keeps file contents as ranges and materialises to the same bytes as writeNewcArchive", () => {
    const big = enc.encode("0123456789abcdef-sysext-image");
    const range: RangeSource = { type: "range", path: "/esp/EFI/Linux/x.efi.extra.d/big.raw", offset: 0, size: big.length };
    const described = describeNewcArchive({ target: ".extra/sysext", dirMode: 0o555, fileMode: 0o444, files: [{ name: "big.raw", content: range }] });
    expect(described.type).toBe("concat");
    expect(described.type === "concat" && described.parts.some((p) => p === range)).toBe(true);
    const viaRange = materializeSource(described, (path, offset, size) => {
      expect(path).toBe(range.path);
      return big.subarray(offset, offset + size);
    });
    expect(viaRange).toEqual(writeNewcArchive({ target: ".extra/sysext", dirMode: 0o555, fileMode: 0o444, files: [{ name: "big.raw", bytes: big }] }));
  });
});

describe("generated archives read by reference tools", () => {
  const archive = CASES["credentials-two-files"]!();

  test("GNU cpio -itv lists the names, modes and zero mtime", () => {
    const r = Bun.spawnSync(["cpio", "-itv", "--quiet"], { stdin: archive, stdout: "pipe", stderr: "pipe" });
    expect(r.exitCode).toBe(0);
    const lines = r.stdout
      .toString()
      .trim()
      .split("\n")
      .map((l) => l.split(/\s+/));
    expect(lines.map((l) => [l[0], l.at(-1)])).toEqual([
      ["dr-xr-xr-x", ".extra"],
      ["dr-x------", ".extra/credentials"],
      ["-r--------", ".extra/credentials/a.cred"],
      ["-r--------", ".extra/credentials/b.cred"],
    ]);
    expect(r.stdout.toString()).toContain("1970");
  });

  test("GNU cpio -idv unpacks the contents with the archive's modes", () => {
    const dir = mkdtempSync(join(tmpdir(), "ukiboot-cpio-x-"));
    try {
      const r = Bun.spawnSync(["cpio", "-idmv", "--quiet"], { cwd: dir, stdin: archive, stdout: "pipe", stderr: "pipe" });
      expect(r.exitCode).toBe(0);
      expect(r.stderr.toString().trim().split("\n")).toEqual([".extra", ".extra/credentials", ".extra/credentials/a.cred", ".extra/credentials/b.cred"]);
      expect(readFileSync(join(dir, ".extra/credentials/a.cred"), "utf8")).toBe("a\n");
      expect(readFileSync(join(dir, ".extra/credentials/b.cred"), "utf8")).toBe("bee");
      expect(statSync(join(dir, ".extra/credentials/b.cred")).mode & 0o7777).toBe(0o400);
      expect(statSync(join(dir, ".extra/credentials")).mode & 0o7777).toBe(0o500);
      expect(statSync(join(dir, ".extra/credentials/a.cred")).mtimeMs).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("bsdtar -tvf lists the same four records", () => {
    const r = Bun.spawnSync(["bsdtar", "-tvf", "-"], { stdin: archive, stdout: "pipe", stderr: "pipe" });
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.toString().trim().split("\n");
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(["dr-xr-xr-x", "dr-x------", "-r--------", "-r--------"]);
    expect(lines.map((l) => l.split(/\s+/).at(-1))).toEqual([".extra", ".extra/credentials", ".extra/credentials/a.cred", ".extra/credentials/b.cred"]);
  });

  test("GNU cpio and bsdtar read the padding case and the literal archive without complaint", () => {
    for (const name of ["sysext-padding", "osrel-literal", "global-credentials-no-files"]) {
      const a = CASES[name]!();
      const gnu = Bun.spawnSync(["cpio", "-it", "--quiet"], { stdin: a, stdout: "pipe", stderr: "pipe" });
      expect(gnu.exitCode).toBe(0);
      expect(gnu.stderr.toString()).toBe("");
      const bsd = Bun.spawnSync(["bsdtar", "-tf", "-"], { stdin: a, stdout: "pipe", stderr: "pipe" });
      expect(bsd.exitCode).toBe(0);
      expect(gnu.stdout.toString()).toBe(bsd.stdout.toString());
    }
  });
});

/** Field `field` (0 = ino, 1 = mode, …) of record `index`, walking records by their sizes. */
function recordField(a: Uint8Array, index: number, field: number): number {
  let pos = 0;
  for (let i = 0; ; i++) {
    const f = (k: number) => Number.parseInt(text(a.subarray(pos + 6 + k * 8, pos + 14 + k * 8)), 16);
    if (i === index) return f(field);
    const data = (pos + 110 + f(11) + 3) & ~3;
    pos = (data + f(6) + 3) & ~3;
  }
}
