import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { formatPcrlockFile, imagePcrlockRecords } from "../../../src/install/pcrlock-file.ts";
import { authenticodeSha256 } from "../../support/authenticode-signer.ts";
import { STAND_IN_STUB_SECTIONS, writePe, writeUki } from "../../support/uki-writer.ts";

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");
const hex = (b: Uint8Array | undefined) => Buffer.from(b!).toString("hex");
const LINUX = new Uint8Array(4096).fill(0x4c);
const SBAT = STAND_IN_STUB_SECTIONS[1]!.data as string;

describe("the pcrlock file of an image the firmware starts", () => {
  test("a UKI: its Authenticode digest into PCR 4, then each section's name and bytes into PCR 11, in the stub's order", () => {
    const image = writeUki({ linux: LINUX, osRelease: "ID=ukiboot\n", cmdline: "console=ttyS0", uname: "6.12.0-test" });
    const records = imagePcrlockRecords(image, "boot.efi");
    expect(records.map((r) => r.pcr)).toEqual([4, ...Array(10).fill(11)]);
    expect(hex(records[0]!.digests.sha256)).toBe(Buffer.from(authenticodeSha256(image)).toString("hex"));
    const expected: [string, Uint8Array | string][] = [
      [".linux", LINUX],
      [".osrel", "ID=ukiboot\n"],
      [".cmdline", "console=ttyS0"],
      [".uname", "6.12.0-test"],
      [".sbat", SBAT],
    ];
    expect(records.slice(1).map((r) => hex(r.digests.sha256))).toEqual(expected.flatMap(([name, data]) => [sha256(`${name}\0`), sha256(data)]));
    // Every bank, as systemd-pcrlock writes them.
    expect(Object.keys(records[1]!.digests)).toEqual(["sha1", "sha256", "sha384", "sha512"]);
  });

  test("a UKI with profiles: only the base, which is what the firmware starts", () => {
    const image = writeUki({ linux: LINUX, osRelease: "ID=base\n", profile: "ID=one", profiles: [{ profile: "ID=two", cmdline: "two" }] });
    const names = imagePcrlockRecords(image, "p.efi")
      .slice(1)
      .filter((_, i) => i % 2 === 0)
      .map((r) => hex(r.digests.sha256));
    expect(names).toEqual([".linux", ".osrel", ".sbat", ".profile"].map((n) => sha256(`${n}\0`)));
  });

  test("another PE image (a kernel's EFI stub): PCR 4 alone", () => {
    const image = writePe({ sections: STAND_IN_STUB_SECTIONS });
    expect(imagePcrlockRecords(image, "vmlinuz").map((r) => r.pcr)).toEqual([4]);
  });

  test("the text is systemd-pcrlock's: compact JSON, the banks in order, a newline", () => {
    const text = formatPcrlockFile([{ pcr: 11, digests: { sha256: new Uint8Array(32).fill(1), sha1: new Uint8Array(20) } }]);
    expect(text).toBe(
      `{"records":[{"pcr":11,"digests":[{"hashAlg":"sha1","digest":"${"00".repeat(20)}"},{"hashAlg":"sha256","digest":"${"01".repeat(32)}"}]}]}\n`,
    );
  });

  test("bytes that are no PE image are a FormatError naming the file", () => {
    expect(() => imagePcrlockRecords(new Uint8Array(100), "/efi/EFI/ukiboot/ukibootx64.efi")).toThrow(/ukibootx64\.efi/);
  });
});
