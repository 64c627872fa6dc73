import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError } from "../../../src/errors.ts";
import { listLoadedModules } from "../../../src/linux/modules.ts";

test("listLoadedModules(): the names a /proc/modules file lists; null when it cannot be read; a FormatError when it is not one", () => {
  const dir = mkdtempSync(join(tmpdir(), "proc-modules-"));
  const file = join(dir, "modules");
  writeFileSync(file, "virtio_blk 24576 0 - Live 0x0000000000000000\nvfat 24576 1 - Live 0x0000000000000000\n");
  expect(listLoadedModules(file)).toEqual(["virtio_blk", "vfat"]);
  expect(listLoadedModules(join(dir, "missing"))).toBeNull();
  writeFileSync(file, "garbage\n");
  expect(() => listLoadedModules(file)).toThrow(FormatError);
});
