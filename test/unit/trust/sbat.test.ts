/**
 * SBAT as shim applies it (https://github.com/rhboot/shim/blob/main/SBAT.md): an image's .sbat CSV names
 * its components and their generations; SbatLevelRT says the lowest generation still trusted per component.
 */
import { describe, expect, test } from "bun:test";
import { checkSbat, parseSbatLevel, parseSbatSection } from "../../../src/trust/sbat.ts";

const enc = (s: string) => new TextEncoder().encode(s);
/** systemd-stub 257's .sbat, as ukify puts it into a UKI (with the section's zero padding). */
const STUB_SBAT =
  "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\nsystemd-stub,1,The systemd Developers,systemd,257,https://systemd.io/\nsystemd-stub.debian,1,Debian,systemd,257.9-1,https://tracker.debian.org/pkg/systemd\n";

describe("parseSbatSection()", () => {
  test("reads component and generation of every line, up to the first NUL", () => {
    const bytes = new Uint8Array([...enc(STUB_SBAT), 0, 0, 0, 0]);
    expect(parseSbatSection(bytes, { source: "a.efi" })).toEqual([
      { component: "sbat", generation: 1 },
      { component: "systemd-stub", generation: 1 },
      { component: "systemd-stub.debian", generation: 1 },
    ]);
  });

  test("skips empty lines and takes CRLF line ends", () => {
    expect(parseSbatSection(enc("sbat,1,x\r\n\r\nfoo,12,y\n"), { source: "a.efi" })).toEqual([
      { component: "sbat", generation: 1 },
      { component: "foo", generation: 12 },
    ]);
  });

  test.each([
    ["a line without a generation", "sbat,1,x\nfoo\n", 'line 2 "foo" has no generation'],
    ["a generation that is not a number", "sbat,1,x\nfoo,one,y\n", 'line 2 "foo,one,y": the generation "one" is not a decimal number'],
    ["an empty component name", ",1,x\n", 'line 1 ",1,x" has no component name'],
    ["text that is not UTF-8", new Uint8Array([0x66, 0x6f, 0xff, 0x2c, 0x31]), "it is not valid UTF-8"],
  ])("refuses %s, naming the file and the line", (_, input, message) => {
    expect(() => parseSbatSection(typeof input === "string" ? enc(input) : input, { source: "/esp/EFI/Linux/a.efi" })).toThrow(
      `Cannot read the .sbat section of "/esp/EFI/Linux/a.efi": ${message}`,
    );
  });
});

describe("parseSbatLevel()", () => {
  test("reads shim's SbatLevelRT: the sbat version line with its date, then component,generation lines", () => {
    const level = parseSbatLevel(enc("sbat,1,2024010900\nshim,4\ngrub,3\ngrub.debian,4\n"), { source: "SbatLevelRT" });
    expect(level.date).toBe("2024010900");
    expect(level.minimum).toEqual([
      { component: "sbat", generation: 1 },
      { component: "shim", generation: 4 },
      { component: "grub", generation: 3 },
      { component: "grub.debian", generation: 4 },
    ]);
  });

  test("a level that does not start with the sbat line is refused, naming the variable", () => {
    expect(() => parseSbatLevel(enc("shim,4\n"), { source: "SbatLevelRT" })).toThrow(
      'Cannot read SbatLevelRT: it must start with "sbat,1,<date>", not "shim,4"',
    );
  });
});

describe("checkSbat()", () => {
  const image = parseSbatSection(enc(STUB_SBAT), { source: "a.efi" });

  test("an image whose components are all at or above the minimum passes; components it does not have do not matter", () => {
    const level = parseSbatLevel(enc("sbat,1,2024010900\nshim,4\ngrub,3\nsystemd-stub,1\n"), { source: "SbatLevelRT" });
    expect(checkSbat(image, level)).toBeUndefined();
  });

  test("a component below the minimum is revoked: the answer names it, its generation and the minimum", () => {
    const level = parseSbatLevel(enc("sbat,1,2025061000\nsystemd-stub,2\n"), { source: "SbatLevelRT" });
    expect(checkSbat(image, level)).toEqual({ component: "systemd-stub", generation: 1, minimum: 2 });
  });

  test("of several lines for one component, the lowest generation decides, as shim reads every line", () => {
    const twice = parseSbatSection(enc("sbat,1,x\nfoo,3,y\nfoo,1,z\n"), { source: "a.efi" });
    const level = parseSbatLevel(enc("sbat,1,1\nfoo,2\n"), { source: "SbatLevelRT" });
    expect(checkSbat(twice, level)).toEqual({ component: "foo", generation: 1, minimum: 2 });
  });
});
