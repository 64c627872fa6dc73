/**
 * The boot initramfs must never load efibc (CONFIG_EFI_BOOTLOADER_CONTROL): on every reboot, and a kexec is
 * one, it writes the reboot reason into LoaderEntryOneShot ("kexec reboot"), which would name no entry at the
 * next boot (docs/efi-variables.md §3). Debian's kernel builds it as a module, so it is kept out by the list.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { debianParts, debianPcKernel } from "../../../build/debian.ts";
import { ESP_MODULES, KEYBOARD_MODULES, LOCAL_BOOT_MODULES, NET_MODULES } from "../../../src/install/boot-initramfs.ts";
import { modulesForDevices, parseModulesAlias } from "../../../src/kernel-modules/module-alias.ts";
import { moduleName, parseModulesDep, resolveModuleOrder } from "../../../src/kernel-modules/module-deps.ts";

test("the boot kernel's module closure leaves out efibc, which Debian builds as a module", async () => {
  const parts = await debianParts();
  expect(readFileSync(parts.kernelConfig, "utf8")).toContain("CONFIG_EFI_BOOTLOADER_CONTROL=m");
  const deps = parseModulesDep(readFileSync(join(parts.modulesDir, "modules.dep"), "utf8"));
  expect([...deps.keys()].map(moduleName)).toContain("efibc");
  const { order } = resolveModuleOrder(deps, LOCAL_BOOT_MODULES);
  expect(order.map(moduleName)).not.toContain("efibc");
  expect(order.length).toBeGreaterThan(10);
});

test("the network drivers are a closure of their own: a local boot loads none of them (docs/network.md §8)", async () => {
  const parts = await debianParts();
  const deps = parseModulesDep(readFileSync(join(parts.modulesDir, "modules.dep"), "utf8"));
  const esp = resolveModuleOrder(deps, LOCAL_BOOT_MODULES).order.map(moduleName);
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

/** The drivers `pick` chooses from `list` for the present `devices`, by a kernel's own modules.dep and modules.alias. */
function pickerFor(modulesDir: string, devices: string[]) {
  const deps = parseModulesDep(readFileSync(join(modulesDir, "modules.dep"), "utf8"));
  const aliases = parseModulesAlias(readFileSync(join(modulesDir, "modules.alias"), "utf8"));
  return (list: string[]) => {
    const closure = resolveModuleOrder(deps, list).order;
    const dependencies = new Set(closure.flatMap((p) => deps.get(p) ?? []).map(moduleName));
    return { closure: closure.map(moduleName), picked: modulesForDevices(closure.map(moduleName), dependencies, aliases, devices) };
  };
}

test("the generic kernel's aliases pick QEMU's xHCI controller, its USB keyboard's usbhid and the HID device's hid_generic (docs/menu.md §4)", async () => {
  const pc = await debianPcKernel();
  // modalias files read in a q35 guest with -device qemu-xhci -device usb-kbd: the controller, the keyboard's
  // interface (class 03 HID, subclass 01 boot, protocol 01 keyboard) and the HID device usbhid makes of it.
  const pick = pickerFor(pc.modulesDir, [
    "pci:v00001B36d0000000Dsv00001AF4sd00001100bc0Csc03i30",
    "usb:v0627p0001d0000dc00dsc00dp00ic03isc01ip01in00",
    "hid:b0003g0001v00000627p00000001",
  ]);
  const { picked, closure } = pick(KEYBOARD_MODULES);
  expect(picked).toContain("xhci_pci");
  expect(picked).toContain("usbhid");
  expect(picked).toContain("hid_generic");
  expect(picked).not.toContain("ehci_pci");
  expect(picked).not.toContain("i2c_hid_acpi");
  // i8042 and atkbd are built into this kernel, so they are not shipped.
  expect(closure).not.toContain("atkbd");
});

test("a laptop's I2C-HID keyboard: the generic kernel's aliases pick i2c_hid_acpi for its ACPI id and intel_lpss_pci for the I2C controller it sits behind (docs/menu.md §4)", async () => {
  const pc = await debianPcKernel();
  // QEMU has no I2C-HID device, so a laptop's modalias files stand in: the keyboard's ACPI node (PNP0C50, the
  // HID-over-I2C id) as the i2c bus and the ACPI bus list it, and a Tiger Lake LPSS I2C controller (8086:A0E8).
  const pick = pickerFor(pc.modulesDir, ["acpi:PNP0C50:", "i2c:PNP0C50:00", "acpi:ELAN0001:PNP0C50:", "pci:v00008086d0000A0E8sv00001028sd00000A1Fbc0Csc80i00"]);
  const { picked } = pick(KEYBOARD_MODULES);
  expect(picked).toContain("i2c_hid_acpi");
  expect(picked).toContain("intel_lpss_pci");
  expect(picked).not.toContain("usbhid");
  expect(picked).not.toContain("xhci_pci");
});

test("the cloud kernel has no USB HID, so its images ship no USB keyboard driver", async () => {
  const parts = await debianParts();
  const deps = parseModulesDep(readFileSync(join(parts.modulesDir, "modules.dep"), "utf8"));
  const { missing } = resolveModuleOrder(deps, KEYBOARD_MODULES);
  expect(readFileSync(parts.kernelConfig, "utf8")).not.toContain("CONFIG_USB_HID=");
  expect(missing).toContain("usbhid");
  expect(missing).toContain("xhci_pci");
});
