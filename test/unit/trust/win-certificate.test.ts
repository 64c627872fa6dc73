import { describe, expect, test } from "bun:test";
import { FormatError } from "../../../src/errors.ts";
import { parseCertificateTable } from "../../../src/trust/win-certificate.ts";
import { winCertificate } from "./tiny-pe.ts";

const data = (n: number) => new Uint8Array(n).map((_, i) => i + 1);
const parse = (t: Uint8Array) => parseCertificateTable(t, { source: "uki.efi", fileOffset: 0x1000 });

describe("parseCertificateTable()", () => {
  test("reads entries at 8-byte alignment, with file offsets", () => {
    const a = winCertificate(data(5)); // dwLength 13, padded to 16
    const b = winCertificate(data(8), { revision: 0x0100, type: 0x0001 });
    const entries = parse(new Uint8Array([...a, ...b]));
    expect(entries).toEqual([
      { offset: 0x1000, revision: 0x0200, certificateType: 0x0002, data: data(5) },
      { offset: 0x1010, revision: 0x0100, certificateType: 0x0001, data: data(8) },
    ]);
  });

  test("allows zero padding after the last entry", () => {
    expect(parse(new Uint8Array([...winCertificate(data(8)), ...new Uint8Array(16)]))).toHaveLength(1);
  });

  const cases: [string, Uint8Array, string][] = [
    ["an empty table", new Uint8Array(0), "it holds no entries"],
    ["dwLength below the header size", winCertificate(data(8), { length: 4 }), "the entry at 0x1000 has dwLength 0x4, less than its 8-byte header"],
    ["dwLength past the table", winCertificate(data(8), { length: 0x40 }), "the entry at 0x1000 claims 0x40 bytes, but only 0x10 remain (truncated)"],
    ["a stray tail too short for an entry", new Uint8Array([...winCertificate(data(8)), 1, 2, 3]), "3 bytes at 0x1010 are too short for an entry"],
  ];
  test.each(cases)("refuses %s", (_name, table, message) => {
    let err: unknown;
    try {
      parse(table);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).message).toBe(`Cannot parse the certificate table of "uki.efi": ${message}`);
  });
});
