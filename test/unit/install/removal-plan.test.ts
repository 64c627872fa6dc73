import { describe, expect, test } from "bun:test";
import type { LoadOption } from "../../../src/efi/load-option.ts";
import { planRemoval } from "../../../src/install/removal-plan.ts";
import { D, RECORD } from "./record-fixture.ts";
const OURS: LoadOption = {
  active: true,
  description: "ukiboot",
  partition: { partition: 1, startLba: 2048n, sizeLba: 1024n, partUuid: "0f9d2b4e-7c1a-4e55-9a0b-2f6d8c3e1a77" },
  file: "\\EFI\\ukiboot\\ukibootx64.efi",
  optionalData: new Uint8Array(0),
};
const AS_INSTALLED = new Map([
  ["EFI/ukiboot/ukibootx64.efi", D("c")],
  ["EFI/BOOT/BOOTX64.EFI", D("c")],
  ["loader/ukiboot/backup/EFI/BOOT/BOOTX64.EFI", D("d")],
]);

describe("planRemoval()", () => {
  test("undoes an untouched install: files deleted, the replaced fallback put back, the entry deleted, BootOrder as before", () => {
    expect(planRemoval(RECORD, { digests: AS_INSTALLED, bootEntry: OURS, bootOrder: [3, 1, 0], pcrlockDigest: D("e") })).toEqual({
      deletes: ["EFI/ukiboot/ukibootx64.efi", "EFI/BOOT/BOOTX64.EFI"],
      restores: [{ backup: "loader/ukiboot/backup/EFI/BOOT/BOOTX64.EFI", path: "EFI/BOOT/BOOTX64.EFI" }],
      kept: [],
      deleteBootEntry: 3,
      bootOrder: [1, 0],
      deletePcrlock: "/var/lib/pcrlock.d/640-ukiboot-boot-image.pcrlock",
    });
  });
  test("a file changed since the install stays, and so does the original kept for it", () => {
    const digests = new Map(AS_INSTALLED).set("EFI/BOOT/BOOTX64.EFI", D("e"));
    const p = planRemoval(RECORD, { digests, bootEntry: OURS, bootOrder: [3] });
    expect(p.deletes).toEqual(["EFI/ukiboot/ukibootx64.efi"]);
    expect(p.restores).toEqual([]);
    expect(p.kept).toEqual([
      '"EFI/BOOT/BOOTX64.EFI" changed since ukiboot installed it, so it stays, and the original stays at "loader/ukiboot/backup/EFI/BOOT/BOOTX64.EFI"',
    ]);
  });
  test("a Boot#### that now starts something else stays, and its place in BootOrder too", () => {
    const other = { ...OURS, description: "Windows Boot Manager", file: "\\EFI\\Microsoft\\Boot\\bootmgfw.efi" };
    const p = planRemoval(RECORD, { digests: AS_INSTALLED, bootEntry: other, bootOrder: [3, 1] });
    expect([p.deleteBootEntry, p.bootOrder]).toEqual([null, null]);
    expect(p.kept).toEqual(['the firmware boot entry 0003 ("Windows Boot Manager") no longer starts ukiboot, so it stays']);
  });
  test("an entry already gone leaves only its number to take out of BootOrder; files already gone are not an error", () => {
    const p = planRemoval(RECORD, { digests: new Map(), bootOrder: [1, 3, 0] });
    expect(p).toEqual({
      deletes: [],
      restores: [],
      kept: [expect.stringContaining("no longer at")],
      deleteBootEntry: null,
      bootOrder: [1, 0],
      deletePcrlock: null,
    });
  });
  test("a pcrlock file changed since stays, and is named", () => {
    const p = planRemoval(RECORD, { digests: AS_INSTALLED, bootEntry: OURS, bootOrder: [3], pcrlockDigest: D("f") });
    expect(p.deletePcrlock).toBeNull();
    expect(p.kept).toEqual(['"/var/lib/pcrlock.d/640-ukiboot-boot-image.pcrlock" changed since ukiboot wrote it, so it stays']);
  });
});
