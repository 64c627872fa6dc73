import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../../build/lib/run-command.ts";
import { readFatLabel } from "../../../src/disk/fat-label.ts";

test.each([
  ["FAT16", "16", 34, "MYESP"],
  ["FAT32", "32", 70, "EFI-SYSTEM"],
])("readFatLabel() reads the label mkfs.vfat wrote on %s", async (_, bits, mib, label) => {
  const dir = mkdtempSync(join(tmpdir(), "fat-"));
  const img = join(dir, "p.img");
  await run(["mkfs.vfat", "-C", "-F", bits, "-n", label, img, String(mib * 1024)]);
  expect(readFatLabel(new Uint8Array(readFileSync(img)).subarray(0, 512))).toBe(label);
  rmSync(dir, { recursive: true, force: true });
});

test("readFatLabel() finds nothing on a sector that is not a FAT boot sector", () => {
  expect(readFatLabel(new Uint8Array(512))).toBeUndefined();
});
