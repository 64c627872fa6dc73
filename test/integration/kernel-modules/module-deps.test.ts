import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { debianParts } from "../../../build/debian.ts";
import { moduleName, parseModulesDep, resolveModuleOrder } from "../../../src/kernel-modules/module-deps.ts";

test("moduleName() strips the directory and compression suffix and uses underscores", () => {
  expect(moduleName("kernel/fs/nls/nls_iso8859-1.ko.xz")).toBe("nls_iso8859_1");
  expect(moduleName("kernel/drivers/usb/storage/usb-storage.ko.zst")).toBe("usb_storage");
  expect(moduleName("extra/foo.ko")).toBe("foo");
});

test("resolveModuleOrder() puts dependencies first and reports unknown (built-in) names", () => {
  const deps = parseModulesDep(
    "kernel/fs/fat/vfat.ko.xz: kernel/fs/fat/fat.ko.xz\nkernel/fs/fat/fat.ko.xz:\nkernel/a.ko: kernel/b.ko\nkernel/b.ko: kernel/a.ko\n",
  );
  expect(resolveModuleOrder(deps, ["vfat", "nvme"])).toEqual({ order: ["kernel/fs/fat/fat.ko.xz", "kernel/fs/fat/vfat.ko.xz"], missing: ["nvme"] });
  // A dependency cycle (never produced by depmod, but possible in a hand-edited file) terminates.
  expect(resolveModuleOrder(deps, ["a"]).order).toEqual(["kernel/b.ko", "kernel/a.ko"]);
});

test("resolveModuleOrder() on the Debian cloud kernel's real modules.dep loads scsi_mod before sd_mod", async () => {
  const parts = await debianParts();
  const deps = parseModulesDep(readFileSync(join(parts.modulesDir, "modules.dep"), "utf8"));
  const { order, missing } = resolveModuleOrder(deps, ["sd_mod", "vfat", "nvme"]);
  const names = order.map(moduleName);
  expect(names.indexOf("scsi_mod")).toBeLessThan(names.indexOf("sd_mod"));
  expect(names.indexOf("fat")).toBeLessThan(names.indexOf("vfat"));
  // nvme is built into Debian's cloud kernel.
  expect(missing).toEqual(["nvme"]);
}, 120_000);
