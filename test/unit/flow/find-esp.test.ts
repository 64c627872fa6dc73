import { expect, test } from "bun:test";
import { ESP_TYPE_GUID, XBOOTLDR_TYPE_GUID } from "../../../src/disk/gpt.ts";
import { chooseEsp, type CandidatePartition } from "../../../src/flow/find-esp.ts";

function part(disk: string, n: number, type: string, partUuid: string, name = ""): CandidatePartition {
  return { number: n, typeGuid: type, partUuid, firstLba: 2048n, lastLba: 4096n, name, device: `/dev/${disk}p${n}`, disk };
}

const A_ESP = part("nvme0n1", 1, ESP_TYPE_GUID, "aaaa0000-0000-0000-0000-000000000001", "EFI");
const B_ESP = part("nvme1n1", 1, ESP_TYPE_GUID, "bbbb0000-0000-0000-0000-000000000001", "EFI2");
const A_XBL = part("nvme0n1", 2, XBOOTLDR_TYPE_GUID, "aaaa0000-0000-0000-0000-000000000002");
const B_XBL = part("nvme1n1", 2, XBOOTLDR_TYPE_GUID, "bbbb0000-0000-0000-0000-000000000002");

test("chooseEsp() takes the first ESP and the XBOOTLDR of the same disk only", () => {
  const c = chooseEsp([A_ESP, B_XBL, B_ESP], {});
  expect(c?.esp).toBe(A_ESP);
  expect(c?.xbootldr).toBeUndefined();
  expect(c?.others).toEqual([B_ESP]);
  expect(chooseEsp([B_XBL, A_XBL, A_ESP], {})?.xbootldr).toBe(A_XBL);
});

test("chooseEsp() prefers the partition the firmware booted from, compared case-insensitively", () => {
  const c = chooseEsp([A_ESP, B_ESP], { loaderPartUuid: "BBBB0000-0000-0000-0000-000000000001" });
  expect(c?.esp).toBe(B_ESP);
  expect(c?.reason).toContain("LoaderDevicePartUUID");
});

test("chooseEsp() honours ukiboot.esp= selectors and finds nothing when none matches", () => {
  expect(chooseEsp([A_ESP, B_ESP], { selector: "PARTLABEL=EFI2" })?.esp).toBe(B_ESP);
  expect(chooseEsp([A_ESP, B_ESP], { selector: "PARTUUID=AAAA0000-0000-0000-0000-000000000001" })?.esp).toBe(A_ESP);
  expect(chooseEsp([A_ESP, B_ESP], { selector: "/dev/nvme1n1p1" })?.esp).toBe(B_ESP);
  expect(chooseEsp([A_ESP, B_ESP], { selector: "PARTLABEL=nope" })).toBeUndefined();
  expect(chooseEsp([A_XBL], {})).toBeUndefined();
});
