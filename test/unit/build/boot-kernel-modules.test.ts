/**
 * The boot initramfs must never load efibc (CONFIG_EFI_BOOTLOADER_CONTROL): on every reboot, and a kexec is
 * one, it writes the reboot reason into LoaderEntryOneShot ("kexec reboot"), which would name no entry at the
 * next boot (docs/efi-variables.md §3). Debian's kernel builds it as a module, so it is kept out by the list.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { debianParts } from "../../../build/debian.ts";
import { ESP_MODULES } from "../../../build/initramfs.ts";
import { moduleName, parseModulesDep, resolveModuleOrder } from "../../../src/kernel-modules/module-deps.ts";

test("the boot kernel's module closure leaves out efibc, which Debian builds as a module", async () => {
  const parts = await debianParts();
  expect(readFileSync(parts.kernelConfig, "utf8")).toContain("CONFIG_EFI_BOOTLOADER_CONTROL=m");
  const deps = parseModulesDep(readFileSync(join(parts.modulesDir, "modules.dep"), "utf8"));
  expect([...deps.keys()].map(moduleName)).toContain("efibc");
  const { order } = resolveModuleOrder(deps, ESP_MODULES);
  expect(order.map(moduleName)).not.toContain("efibc");
  expect(order.length).toBeGreaterThan(10);
});
