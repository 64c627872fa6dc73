import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError } from "../../../src/errors.ts";
import { parseCertificateFile } from "../../../src/trust/certificate.ts";
import { toHex } from "../../../src/bytes/digest.ts";
import {
  EFI_CERT_SHA256_GUID,
  EFI_CERT_X509_GUID,
  formatGuid,
  parseGuid,
  parseSignatureLists,
  writeSignatureLists,
} from "../../../src/trust/efi-signature-list.ts";
import { hasProgram, run } from "../../../build/lib/run-command.ts";
import { missingFixtureTools, readBytes, trustFixtures } from "../support/real-trust-fixtures.ts";

const OWNER = "11111111-2222-3333-4444-555555555555";
const SHIM_OWNER = "605dab50-e046-4300-abb6-3dd810dd8b23";

describe("GUIDs", () => {
  test("formatGuid() reads the first three fields little-endian, as EFI_GUID is laid out", () => {
    // EFI_CERT_X509_GUID as it appears in a signature list (checked against efitools' output below).
    const raw = new Uint8Array([0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72]);
    expect(formatGuid(raw)).toBe(EFI_CERT_X509_GUID);
    expect(parseGuid(EFI_CERT_X509_GUID)).toEqual(raw);
  });
  test("parseGuid() refuses text that is not a GUID", () => {
    expect(() => parseGuid("not-a-guid")).toThrow(RangeError);
  });
});

describe("parseSignatureLists()", () => {
  const sha = (n: number) => new Uint8Array(32).fill(n);
  test("reads back what writeSignatureLists() wrote, grouping equal kinds into one list", () => {
    const data = writeSignatureLists([
      { kind: "sha256", owner: OWNER, data: sha(1) },
      { kind: "sha256", owner: SHIM_OWNER, data: sha(2) },
      { kind: "x509", owner: OWNER, data: new Uint8Array([0x30, 0x03, 1, 2, 3]) },
    ]);
    // Two lists: 28 + 2 × 48, then 28 + 16 + 5.
    expect(data.length).toBe(28 + 2 * 48 + 28 + 16 + 5);
    expect(parseSignatureLists(data, { source: "db" })).toEqual([
      { kind: "sha256", type: EFI_CERT_SHA256_GUID, owner: OWNER, data: sha(1) },
      { kind: "sha256", type: EFI_CERT_SHA256_GUID, owner: SHIM_OWNER, data: sha(2) },
      { kind: "x509", type: EFI_CERT_X509_GUID, owner: OWNER, data: new Uint8Array([0x30, 0x03, 1, 2, 3]) },
    ]);
  });

  test("an empty variable holds no entries", () => {
    expect(parseSignatureLists(new Uint8Array(0), { source: "dbx" })).toEqual([]);
  });

  test("keeps unknown signature types as 'other'", () => {
    const data = writeSignatureLists([{ kind: "sha256", owner: OWNER, data: sha(1) }]);
    data.set(parseGuid("826ca512-cf10-4ac9-b187-be01496631bd"), 0); // EFI_CERT_SHA1_GUID, 48-byte entries are fine for "other"
    expect(parseSignatureLists(data, { source: "db" })[0]!.kind).toBe("other");
  });

  const one = () => writeSignatureLists([{ kind: "sha256", owner: OWNER, data: sha(7) }]);
  const cases: [string, (d: Uint8Array, v: DataView) => Uint8Array, string][] = [
    ["a short header", (d) => d.subarray(0, 20), "too short for an EFI_SIGNATURE_LIST header"],
    ["SignatureListSize past the data", (d, v) => (v.setUint32(16, 1000, true), d), "past the end of the data at 0x4c"],
    ["SignatureListSize smaller than the header", (d, v) => (v.setUint32(16, 10, true), d), "smaller than its header"],
    ["SignatureHeaderSize larger than the list", (d, v) => (v.setUint32(20, 100, true), d), "larger than the list"],
    ["SignatureSize of zero", (d, v) => (v.setUint32(24, 0, true), d), "too small for an owner GUID and data"],
    ["entries not a multiple of SignatureSize", (d, v) => (v.setUint32(24, 40, true), d), "not a multiple of SignatureSize 0x28"],
    [
      "a SHA-256 list with 40-byte entries",
      (d, v) => (v.setUint32(16, 28 + 80, true), v.setUint32(24, 40, true), new Uint8Array([...d, ...new Uint8Array(32)])),
      "has SignatureSize 0x28, not 0x30",
    ],
    ["a huge SignatureListSize", (d, v) => (v.setUint32(16, 0xffffffff, true), d), "past the end of the data"],
  ];
  test.each(cases)("refuses %s", (_name, mutate, message) => {
    const d = one();
    const input = mutate(d, new DataView(d.buffer));
    let err: unknown;
    try {
      parseSignatureLists(input, { source: "dbx" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).message).toStartWith('Cannot parse the signature lists in "dbx": ');
    expect((err as FormatError).message).toContain(message);
  });

  test("writeSignatureLists() refuses a SHA-256 entry of the wrong size", () => {
    expect(() => writeSignatureLists([{ kind: "sha256", owner: OWNER, data: new Uint8Array(31) }])).toThrow("not 32");
  });
});

const haveEfitools = hasProgram("cert-to-efi-sig-list") && hasProgram("hash-to-efi-sig-list") && missingFixtureTools().length === 0;
if (!haveEfitools)
  console.warn("the efitools parity tests will not run (npm test counts them as failed): install efitools (cert-to-efi-sig-list, hash-to-efi-sig-list)");

describe.skipIf(!haveEfitools)("parity with efitools", () => {
  test("writeSignatureLists() writes what cert-to-efi-sig-list writes for one certificate", async () => {
    const f = await trustFixtures();
    const dir = mkdtempSync(join(tmpdir(), "ukiboot-esl-"));
    await run(["cert-to-efi-sig-list", "-g", OWNER, f.keys.db.crt, join(dir, "db.esl")]);
    const der = parseCertificateFile(readBytes(f.keys.db.crt), { source: "db.crt" })[0]!.der;
    expect(writeSignatureLists([{ kind: "x509", owner: OWNER, data: der }])).toEqual(new Uint8Array(readFileSync(join(dir, "db.esl"))));
  });

  test("parseSignatureLists() reads hash-to-efi-sig-list output of several images", async () => {
    const f = await trustFixtures();
    const dir = mkdtempSync(join(tmpdir(), "ukiboot-esl-"));
    const out = join(dir, "dbx.esl");
    const printed = (await run(["hash-to-efi-sig-list", f.uki.db, f.addon.db, out])).stdout;
    const hashes = [...printed.matchAll(/HASH IS ([0-9a-f]{64})/g)].map((m) => m[1]!);
    const entries = parseSignatureLists(new Uint8Array(readFileSync(out)), { source: "dbx.esl" });
    expect(hashes).toHaveLength(2);
    expect(entries.map((e) => [e.kind, e.owner, toHex(e.data)])).toEqual(hashes.map((h): string[] => ["sha256", SHIM_OWNER, h]));
  });

  test("a db made by cert-to-efi-sig-list for two certificates concatenated parses in order", async () => {
    const f = await trustFixtures();
    const dir = mkdtempSync(join(tmpdir(), "ukiboot-esl-"));
    await run(["cert-to-efi-sig-list", "-g", OWNER, f.keys.db.crt, join(dir, "a.esl")]);
    await run(["cert-to-efi-sig-list", "-g", SHIM_OWNER, f.keys.ca.crt, join(dir, "b.esl")]);
    writeFileSync(join(dir, "db.esl"), Buffer.concat([readFileSync(join(dir, "a.esl")), readFileSync(join(dir, "b.esl"))]));
    const entries = parseSignatureLists(new Uint8Array(readFileSync(join(dir, "db.esl"))), { source: "db" });
    expect(entries.map((e) => [e.kind, e.owner])).toEqual([
      ["x509", OWNER],
      ["x509", SHIM_OWNER],
    ]);
    expect(entries[1]!.data).toEqual(parseCertificateFile(readBytes(f.keys.ca.crt), { source: "ca" })[0]!.der);
  });
});
