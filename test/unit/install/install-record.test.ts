import { describe, expect, test } from "bun:test";
import { FormatError } from "../../../src/errors.ts";
import { parseInstallRecord, serializeInstallRecord } from "../../../src/install/install-record.ts";
import { D, RECORD } from "./record-fixture.ts";

describe("the install record", () => {
  test("reads back what it wrote", () => {
    expect(parseInstallRecord(serializeInstallRecord(RECORD), "install.json")).toEqual(RECORD);
  });
  test("a record without a boot entry, signer or pcrlock file", () => {
    const r = { ...RECORD, bootEntry: null, signing: null, pcrlock: null };
    expect(parseInstallRecord(serializeInstallRecord(r), "install.json")).toEqual(r);
  });
  const broken: [string, (r: Record<string, unknown>) => unknown, RegExp][] = [
    ["not JSON", () => "{", /it is not JSON/],
    ["a newer format", (r) => ({ ...r, format: 2 }), /its format 2 is newer than this ukiboot's 1; use the ukiboot that installed it/],
    ["an unknown layout", (r) => ({ ...r, layout: "grub" }), /its layout "grub" is neither "uki" nor "linux-efi-stub"/],
    ["a digest that is not SHA-256", (r) => ({ ...r, kernel: { ...(r.kernel as object), sha256: "abc" } }), /"kernel.sha256" is not a SHA-256 digest/],
    ["an absolute path", (r) => ({ ...r, files: [{ path: "/etc/passwd", sha256: D("c") }] }), /"files\[0\].path" "\/etc\/passwd" is not a path inside the ESP/],
    ["a path out of the ESP", (r) => ({ ...r, files: [{ path: "EFI/../../etc/shadow", sha256: D("c") }] }), /is not a path inside the ESP/],
    [
      "a backup out of the ESP",
      (r) => ({ ...r, files: [{ path: "EFI/BOOT/BOOTX64.EFI", sha256: D("c"), replaced: { backup: "../x", sha256: D("d") } }] }),
      /"files\[0\].replaced.backup" "..\/x" is not a path inside the ESP/,
    ],
    [
      "a pcrlock file elsewhere",
      (r) => ({ ...r, pcrlock: { path: "/etc/shadow", sha256: D("e") } }),
      /"pcrlock.path" "\/etc\/shadow" is not a .pcrlock file in a pcrlock.d directory/,
    ],
    [
      "a pcrlock file out of its directory",
      (r) => ({ ...r, pcrlock: { path: "/var/lib/pcrlock.d/../../../etc/x.pcrlock", sha256: D("e") } }),
      /is not a .pcrlock file in a pcrlock.d directory/,
    ],
    ["a kernel.given that is not true or false", (r) => ({ ...r, kernel: { ...(r.kernel as object), given: "yes" } }), /"kernel.given" is not true or false/],
    ["a boot number past 0xFFFF", (r) => ({ ...r, bootEntry: { number: 70000, description: "x", bootOrderBefore: [] } }), /70000 is not a Boot#### number/],
  ];
  test.each(broken)("%s is a FormatError naming the file and the field", (_, change, pattern) => {
    const changed = change(JSON.parse(serializeInstallRecord(RECORD)));
    let err: unknown;
    try {
      parseInstallRecord(typeof changed === "string" ? changed : JSON.stringify(changed), "/efi/loader/ukiboot/install.json");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toStartWith('Cannot read the install record "/efi/loader/ukiboot/install.json": ');
    expect((err as Error).message).toMatch(pattern);
  });
});
