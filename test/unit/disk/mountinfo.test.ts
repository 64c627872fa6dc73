import { expect, test } from "bun:test";
import { findEspMountPoint, parseMountInfo } from "../../../src/disk/mountinfo.ts";

const SAMPLE = `22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw
40 22 8:1 / /boot/efi rw,relatime shared:20 - vfat /dev/sda1 rw,fmask=0077
41 22 0:35 / /mnt/my\\040disk rw - ext4 /dev/sdb1 rw
`;

test("parseMountInfo() reads mount points, types and sources, undoing octal escapes", () => {
  const m = parseMountInfo(SAMPLE);
  expect(m.map((x) => x.mountPoint)).toEqual(["/", "/boot/efi", "/mnt/my disk"]);
  expect(m[1]).toMatchObject({ fsType: "vfat", source: "/dev/sda1", root: "/" });
});

test("findEspMountPoint() prefers /efi, then /boot/efi, then /boot, and only vfat mounts", () => {
  expect(findEspMountPoint(parseMountInfo(SAMPLE))).toBe("/boot/efi");
  const both = SAMPLE + "50 22 8:3 / /efi rw - vfat /dev/sda3 rw\n";
  expect(findEspMountPoint(parseMountInfo(both))).toBe("/efi");
  const bootExt4 = "22 1 8:2 / /boot rw - ext4 /dev/sda2 rw\n";
  expect(findEspMountPoint(parseMountInfo(bootExt4))).toBeUndefined();
});
