import { beforeAll, describe, expect, test } from "bun:test";
import { FormatError } from "../../../src/errors.ts";
import { headerBytesNeeded, parsePe, type PeImage } from "../../../src/pe/pe.ts";
import { buildAddon, buildUki, fixtureBytes } from "../../support/uki-fixtures.ts";

let ukiPath: string;
let uki: Uint8Array;
let pe: PeImage;

beforeAll(async () => {
  ukiPath = await buildUki({ osRelease: 'ID=acme\nPRETTY_NAME="Acme OS"\n', cmdline: "quiet splash", initrd: "initrd-bytes" });
  uki = fixtureBytes(ukiPath);
  pe = parsePe(uki, { source: ukiPath });
}, 60_000);

/** A copy of the UKI with a u32/u16 patched at `at`. */
function patched(at: number, value: number, size: 2 | 4 = 4, bytes = uki): Uint8Array {
  const b = bytes.slice();
  const v = new DataView(b.buffer);
  if (size === 4) v.setUint32(at, value, true);
  else v.setUint16(at, value, true);
  return b;
}

const lfanew = () => new DataView(uki.buffer, uki.byteOffset).getUint32(0x3c, true);

function expectFormatError(bytes: Uint8Array, pattern: RegExp, fileSize?: number) {
  let err: unknown;
  try {
    parsePe(bytes, { source: "x.efi", ...(fileSize === undefined ? {} : { fileSize }) });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FormatError);
  expect((err as FormatError).message).toMatch(/^Cannot parse PE image "x\.efi": /);
  expect((err as FormatError).message).toMatch(pattern);
}

describe("parsePe() on a UKI laid out as ukify lays it out", () => {
  test("reads the x64 machine type, PE32+ magic and EFI application subsystem", () => {
    expect(pe.machine).toBe(0x8664);
    expect(pe.arch).toBe("x64");
    expect(pe.optionalHeaderMagic).toBe(0x20b);
    expect(pe.subsystem).toBe(10);
    expect(pe.certificateTable).toMatchObject({ offset: 0, size: 0 });
  });
  test("uses min(VirtualSize, SizeOfRawData) as the file size of each section", () => {
    for (const s of pe.sections) expect(s.fileSize).toBe(Math.min(s.virtualSize, s.sizeOfRawData));
    expect(pe.sections.some((s) => s.sizeOfRawData > s.virtualSize)).toBe(true);
  });
  test("gives the Authenticode fields: CheckSum offset, certificate directory entry, SizeOfHeaders", () => {
    const opt = lfanew() + 24;
    expect(pe.checksumOffset).toBe(opt + 64);
    expect(pe.certificateTable!.directoryEntryOffset).toBe(opt + 112 + 4 * 8);
    expect(pe.sizeOfHeaders).toBeGreaterThanOrEqual(pe.headersEnd);
  });
  test("headerBytesNeeded() asks for the DOS header, then the PE header, then the section table", () => {
    expect(headerBytesNeeded(uki.subarray(0, 10))).toBe(64);
    expect(headerBytesNeeded(uki.subarray(0, 64))).toBe(lfanew() + 24);
    expect(headerBytesNeeded(uki.subarray(0, 4096))).toBe(pe.headersEnd);
    expect(() => parsePe(uki.subarray(0, pe.headersEnd), { source: "x", fileSize: uki.length })).not.toThrow();
  });
  test("parses an add-on built with addonx64.efi.stub", async () => {
    const p = await buildAddon({ cmdline: "debug" });
    const a = parsePe(fixtureBytes(p), { source: p });
    expect(a.sections.map((s) => s.name)).toContain(".cmdline");
  });
});

describe("parsePe() on bad input", () => {
  test("rejects an empty file", () => expectFormatError(new Uint8Array(0), /shorter than a DOS header/));
  test("rejects a file without MZ", () => expectFormatError(new Uint8Array(128), /does not start with "MZ"/));
  test("rejects e_lfanew inside the DOS header", () => expectFormatError(patched(0x3c, 0x20), /inside the DOS header/));
  test("rejects e_lfanew past the end", () => expectFormatError(patched(0x3c, 0xffff_fff0), /headers end early/));
  test("rejects a missing PE signature", () => expectFormatError(patched(lfanew(), 0x12345678), /no "PE\\0\\0" signature/));
  test("rejects zero sections", () => expectFormatError(patched(lfanew() + 6, 0, 2), /no sections/));
  test("rejects an absurd section count", () => expectFormatError(patched(lfanew() + 6, 0xffff, 2), /65535 sections, more than 4096/));
  test("rejects a wrong optional header magic", () => expectFormatError(patched(lfanew() + 24, 0x107, 2), /magic is 0x107/));
  test("rejects a too short optional header", () => expectFormatError(patched(lfanew() + 20, 8, 2), /too short/));
  test("rejects a section table that is cut off", () => expectFormatError(uki.subarray(0, pe.headersEnd - 1), /only 0x[0-9a-f]+ bytes were read|past the end/));
  test("rejects a section whose raw data runs past the end of the file", () => {
    const linux = pe.sections.find((s) => s.name === ".linux")!;
    expectFormatError(patched(linux.headerOffset + 16, uki.length), /section ".linux" ends at 0x[0-9a-f]+, past the end of the file/);
  });
  test("rejects a section offset that wraps around 2^32", () => {
    const linux = pe.sections.find((s) => s.name === ".linux")!;
    expectFormatError(patched(linux.headerOffset + 20, 0xffff_ff00), /past the end of the file/);
  });
  test("rejects a truncated file (fileSize smaller than the sections need)", () => expectFormatError(uki, /past the end of the file/, uki.length - 4096));
  test("rejects a certificate table past the end", () => {
    const b = patched(pe.certificateTable!.directoryEntryOffset + 4, 0x1000, 4, patched(pe.certificateTable!.directoryEntryOffset, uki.length - 16));
    expectFormatError(b, /certificate table ends/);
  });
  test("accepts duplicate section names (first match wins later) and foreign machines (callers decide)", () => {
    const osrel = pe.sections.find((s) => s.name === ".osrel")!;
    const b = uki.slice();
    b.set(new TextEncoder().encode(".cmdline"), osrel.headerOffset);
    const p = parsePe(patched(lfanew() + 4, 0xaa64, 2, b), { source: "x" });
    expect(p.sections.filter((s) => s.name === ".cmdline")).toHaveLength(2);
    expect(p.arch).toBe("aa64");
  });
});
