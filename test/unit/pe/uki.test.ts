import { beforeAll, describe, expect, test } from "bun:test";
import { FormatError } from "../../../src/errors.ts";
import { parsePe, type PeImage } from "../../../src/pe/pe.ts";
import { decodeSectionText } from "../../../src/pe/section-text.ts";
import { addonDefect, addonUnameMatches, classifyPe, effectiveSections, profileCount, profileRanges } from "../../../src/pe/uki.ts";
import { UKI_SECTIONS } from "../../../src/pe/uki-sections.ts";
import { buildAddon, buildUki, fixtureBytes } from "../../support/uki-fixtures.ts";

const OSREL = 'ID=acme\nPRETTY_NAME="Acme OS"\nVERSION_ID=1\n';
let multiBytes: Uint8Array;
let multi: PeImage;
const text = (pe: PeImage, bytes: Uint8Array, k: number, name: (typeof UKI_SECTIONS)[number]) => {
  const s = effectiveSections(pe, k).byName[name];
  return s && new TextDecoder().decode(bytes.subarray(s.fileOffset, s.fileOffset + s.fileSize));
};

beforeAll(async () => {
  const path = await buildUki({
    osRelease: OSREL,
    cmdline: "quiet",
    profile: "ID=main\nTITLE=Regular",
    profiles: [
      { profile: "ID=reset", cmdline: "factory-reset" },
      { profile: "TITLE=Debug", cmdline: "debug", osRelease: "ID=dbg\n" },
    ],
  });
  multiBytes = fixtureBytes(path);
  multi = parsePe(multiBytes, { source: path });
}, 60_000);

describe("UKI section order", () => {
  test("is uki.h's enum order; do not reorder", () => {
    expect(UKI_SECTIONS).toEqual([
      ".linux",
      ".osrel",
      ".cmdline",
      ".initrd",
      ".ucode",
      ".splash",
      ".dtb",
      ".uname",
      ".sbat",
      ".pcrsig",
      ".pcrpkey",
      ".profile",
      ".dtbauto",
      ".hwids",
      ".efifw",
    ]);
  });
});

describe("profiles of a UKI laid out as ukify --profile/--join-profile lays it out", () => {
  test("has three profiles; the base range ends at the first .profile", () => {
    expect(profileCount(multi)).toBe(3);
    const r = profileRanges(multi);
    expect(multi.sections[r.base.end]!.name).toBe(".profile");
    expect(r.profiles.map((p) => multi.sections[p.start]!.name)).toEqual([".profile", ".profile", ".profile"]);
  });
  test("profile 1 overrides .cmdline and inherits .linux, .osrel and .uname from the base", () => {
    expect(text(multi, multiBytes, 0, ".cmdline")).toBe("quiet");
    expect(text(multi, multiBytes, 1, ".cmdline")).toBe("factory-reset");
    expect(text(multi, multiBytes, 2, ".cmdline")).toBe("debug");
    const base = effectiveSections(multi, 0).byName;
    const one = effectiveSections(multi, 1).byName;
    expect(one[".linux"]).toBe(base[".linux"]!);
    expect(one[".osrel"]).toBe(base[".osrel"]!);
    expect(one[".profile"]).not.toBe(base[".profile"]!);
    expect(text(multi, multiBytes, 1, ".profile")).toBe("ID=reset");
  });
  test("profile 2 overrides .osrel", () => {
    expect(text(multi, multiBytes, 2, ".osrel")).toBe("ID=dbg\n");
  });
  test("a zero-size section in a profile masks the base section", () => {
    const b = multiBytes.slice();
    const r = profileRanges(multi);
    const cmd = multi.sections.slice(r.profiles[1]!.start, r.profiles[1]!.end).find((s) => s.name === ".cmdline")!;
    new DataView(b.buffer).setUint32(cmd.headerOffset + 8, 0, true);
    const p = parsePe(b, { source: "masked" });
    expect(effectiveSections(p, 1).byName[".cmdline"]).toBeUndefined();
    expect(effectiveSections(p, 0).byName[".cmdline"]).toBeDefined();
  });
  test("selecting a profile that does not exist is a FormatError", () => {
    expect(() => effectiveSections(multi, 3)).toThrow(FormatError);
  });
  test("is classified as a UKI", () => expect(classifyPe(multi)).toBe("uki"));
});

describe("single-profile UKIs and add-ons", () => {
  test("a UKI without .profile has exactly one profile, the base", async () => {
    const p = parsePe(fixtureBytes(await buildUki({ osRelease: OSREL })), { source: "x" });
    expect(profileCount(p)).toBe(1);
    expect(effectiveSections(p, 0).byName[".osrel"]).toBeDefined();
  });
  test("an add-on is classified as one and has no defect", async () => {
    const p = parsePe(fixtureBytes(await buildAddon({ cmdline: "debug", uname: "6.12.0-fake" })), { source: "a" });
    expect(classifyPe(p)).toBe("addon");
    expect(addonDefect(p, "x64")).toBeUndefined();
    expect(addonDefect(p, "aa64")).toMatch(/not the native aa64/);
  });
  test("a UKI used as an add-on is refused", () => {
    expect(addonDefect(multi, "x64")).toMatch(/it is a UKI, not an add-on/);
  });
  test("an add-on without payload sections is a plain PE, and refused as an add-on", async () => {
    const p = parsePe(fixtureBytes(await buildAddon({ sections: { ".sbat2": "x" } })), { source: "a" });
    expect(classifyPe(p)).toBe("pe");
    expect(addonDefect(p, "x64")).toMatch(/none of the sections/);
  });
});

describe("addonUnameMatches()", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  test.each([
    ["6.12.0", "6.12.0\0\0", true],
    ["6.12.0", "6.12.1\0", false],
    ["6.12.0", "6.12.0-1\0", false],
    ["6.12.0-1", "6.12.0\0", false],
    // No NUL inside VirtualSize: a prefix of the UKI's uname matches, as strncmp() does.
    ["6.12.0-1", "6.12.0", true],
    ["6.1", "6.12", false],
    ["", "\0", true],
  ])("UKI %p vs add-on %p: %p", (uki, addon, expected) => {
    expect(addonUnameMatches(enc(uki), enc(addon))).toBe(expected);
  });
});

describe("decodeSectionText()", () => {
  const dec = (b: Uint8Array) => decodeSectionText(b, { source: "x.efi", section: ".osrel" });
  test("allows zero fill at the end", () => expect(dec(new Uint8Array([0x41, 0x42, 0, 0, 0]))).toBe("AB"));
  test("rejects an embedded NUL", () => expect(() => dec(new Uint8Array([0x41, 0, 0x42]))).toThrow(/NUL byte at \+0x1/));
  test("rejects invalid UTF-8", () => expect(() => dec(new Uint8Array([0x41, 0xff, 0x42]))).toThrow(/not valid UTF-8/));
  test("keeps a UTF-8 BOM-free text as it is", () => expect(dec(new TextEncoder().encode("NAME=Ünïcode\n"))).toBe("NAME=Ünïcode\n"));
});
