/**
 * The boot initramfs must never load efibc (CONFIG_EFI_BOOTLOADER_CONTROL): on every reboot, and a kexec is
 * one, it writes the reboot reason into LoaderEntryOneShot ("kexec reboot"), which would name no entry at the
 * next boot (docs/efi-variables.md §3). Debian's kernel builds it as a module, so it is kept out by the list.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { debianParts } from "../../../build/debian.ts";
import { ESP_MODULES, NET_MODULES } from "../../../build/initramfs.ts";
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

test("the network drivers are a closure of their own: a local boot loads none of them (docs/network.md §8)", async () => {
  const parts = await debianParts();
  const deps = parseModulesDep(readFileSync(join(parts.modulesDir, "modules.dep"), "utf8"));
  const esp = resolveModuleOrder(deps, ESP_MODULES).order.map(moduleName);
  const net = resolveModuleOrder(deps, NET_MODULES).order.map(moduleName);
  expect(net).toContain("virtio_net");
  expect(esp.filter((m) => net.includes(m))).toEqual([]);
});
