import { describe, expect, test } from "bun:test";
import { materializeSource, type RangeSource } from "../../../src/bytes/byte-source.ts";
import { describeNewcArchive, NEWC_TRAILER, writeNewcArchive } from "../../../src/initrd/cpio-newc.ts";
import { CASES } from "../../support/cpio-cases.ts";
import { annotatedNewcDump, expectGoldenText } from "./golden-hex.ts";

const enc = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

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
