/**
 * The boot initramfs must never load efibc (CONFIG_EFI_BOOTLOADER_CONTROL): on every reboot, and a kexec is
 * one, it writes the reboot reason into LoaderEntryOneShot ("kexec reboot"), which would name no entry at the
 * next boot (docs/efi-variables.md §3). Debian's kernel builds it as a module, so it is kept out by the list.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { debianParts } from "../../../build/debian.ts";
import { ESP_MODULES, NET_MODULES } from "../../../src/install/boot-initramfs.ts";
import { modulesForDevices, parseModulesAlias } from "../../../src/kernel-modules/module-alias.ts";
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

test("Debian's own aliases pick the drivers of a q35 machine with an NVMe ESP and a virtio NIC, and no others (docs/boot-time.md §4)", async () => {
  const parts = await debianParts();
  const deps = parseModulesDep(readFileSync(join(parts.modulesDir, "modules.dep"), "utf8"));
  const aliases = parseModulesAlias(readFileSync(join(parts.modulesDir, "modules.alias"), "utf8"));
  // modalias files read in such a guest: the ICH9 AHCI controller, the NVMe controller, a virtio NIC.
  const devices = [
    "pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01",
    "pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02",
    "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00",
    "virtio:d00000001v00001AF4",
  ];
  const pick = (list: string[]) => {
    const closure = resolveModuleOrder(deps, list).order;
    const dependencies = new Set(closure.flatMap((p) => deps.get(p) ?? []).map(moduleName));
    return modulesForDevices(closure.map(moduleName), dependencies, aliases, devices);
  };
  const esp = pick(ESP_MODULES);
  expect(esp).toContain("ahci");
  expect(esp).toContain("vfat");
  expect(esp).toContain("efivarfs");
  expect(esp).not.toContain("virtio_blk");
  expect(esp).not.toContain("virtio_scsi");
  expect(esp).not.toContain("sd_mod");
  const net = pick(NET_MODULES);
  expect(net).toContain("virtio_net");
  expect(net).not.toContain("e1000e");
  expect(net).not.toContain("mlx5_core");
});
