import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeGptDiskImage } from "../../lab/disk-image.ts";
import { guidToString } from "../../../src/bytes/guid.ts";
import { ESP_TYPE_GUID, parseGptEntries, parseGptHeader, XBOOTLDR_TYPE_GUID } from "../../../src/disk/gpt.ts";
import { FormatError } from "../../../src/errors.ts";

describe("GPT parsing on a disk image written by sfdisk", () => {
  test("parseGptEntries() finds the ESP and XBOOTLDR with their types, PARTUUIDs and names", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gpt-"));
    const empty = mkdtempSync(join(tmpdir(), "tree-"));
    const img = join(dir, "disk.img");
    await makeGptDiskImage(img, [
      { kind: "esp", sizeMiB: 34, tree: empty, partUuid: "11111111-2222-3333-4444-555555555555" },
      { kind: "xbootldr", sizeMiB: 34, tree: empty, partUuid: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", name: "boot" },
    ]);
    const bytes = readFileSync(img);
    const header = parseGptHeader(bytes.subarray(512, 1024), img);
    expect(header.entrySize).toBe(128);
    const entries = parseGptEntries(bytes.subarray(Number(header.entriesLba) * 512, Number(header.entriesLba) * 512 + header.entryCount * 128), header, img);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({
      number: 1,
      typeGuid: ESP_TYPE_GUID,
      partUuid: "11111111-2222-3333-4444-555555555555",
      firstLba: 2048n,
      name: "EFI System Partition",
    });
    expect(entries[1]).toMatchObject({ number: 2, typeGuid: XBOOTLDR_TYPE_GUID, partUuid: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", name: "boot" });
  });

  test("parseGptHeader() refuses a disk without the EFI PART signature", () => {
    expect(() => parseGptHeader(new Uint8Array(512), "/dev/sda")).toThrow(FormatError);
    expect(() => parseGptHeader(new Uint8Array(512), "/dev/sda")).toThrow('Cannot read the partition table of "/dev/sda": no GPT signature at LBA 1');
  });

  test("parseGptHeader() turns a truncated header into a FormatError", () => {
    const b = new Uint8Array(40);
    b.set(new TextEncoder().encode("EFI PART"));
    expect(() => parseGptHeader(b, "/dev/vda")).toThrow("the header is truncated");
  });

  test("guidToString() uses the mixed-endian layout of the first three fields", () => {
    const b = Uint8Array.from([0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b]);
    expect(guidToString(b)).toBe(ESP_TYPE_GUID);
  });
});
