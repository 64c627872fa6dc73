import { describe, expect, test } from "bun:test";
import { aliasMatches, isDeviceAlias, modulesForDevices, parseModulesAlias } from "../../../src/kernel-modules/module-alias.ts";

// Lines as depmod writes them for Debian's 6.12 cloud kernel (modules.alias), plus a bracket class.
const ALIAS = `# Aliases extracted from modules themselves.
alias fs-vfat vfat
alias fs-efivarfs efivarfs
alias virtio:d00000002v* virtio_blk
alias virtio:d00000008v* virtio_scsi
alias pci:v*d*sv*sd*bc01sc06i01* ahci
alias pci:v00008086d00002922sv*sd*bc*sc*i* ahci
alias scsi:t-0x00* sd_mod
alias scsi:t-0x0e* sd_mod
alias acpi*:MSFT0101:* tpm_crb
alias devname:fuse fuse
alias usb:v*p*d*dc*dsc*dp*ic08isc06ip50in* usb-storage
alias of:N*T*Cvirtio,mmio[0-9] virtio_mmio
`;

// modalias files of a QEMU q35 machine with an NVMe ESP: the ICH9 AHCI controller and a virtio NIC.
const Q35 = [
  "pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01",
  "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00",
  "virtio:d00000001v00001AF4",
  "acpi:PNP0A08:PNP0A03:",
];

describe("parseModulesAlias", () => {
  test("reads alias lines, names modules as /sys/module does, skips comments", () => {
    const a = parseModulesAlias(ALIAS);
    expect(a).toHaveLength(12);
    expect(a[0]).toEqual({ pattern: "fs-vfat", module: "vfat" });
    expect(a.find((x) => x.pattern.startsWith("usb:"))?.module).toBe("usb_storage");
  });

  test("malformed lines are skipped, not guessed", () => {
    expect(parseModulesAlias("alias onlyone\nalias a b c\noptions x y z\n\nalias p m")).toEqual([{ pattern: "p", module: "m" }]);
  });
});

describe("aliasMatches (fnmatch)", () => {
  test("the AHCI class alias matches the q35 controller, not a NIC", () => {
    expect(aliasMatches("pci:v*d*sv*sd*bc01sc06i01*", Q35[0]!)).toBe(true);
    expect(aliasMatches("pci:v*d*sv*sd*bc01sc06i01*", Q35[1]!)).toBe(false);
  });

  test("the whole string must match; ? is one character; brackets are classes, ! negates", () => {
    expect(aliasMatches("virtio:d00000002v*", "virtio:d00000002v00001AF4")).toBe(true);
    expect(aliasMatches("virtio:d00000002v*", "xvirtio:d00000002v00001AF4")).toBe(false);
    expect(aliasMatches("scsi:t-0x0?*", "scsi:t-0x00")).toBe(true);
    expect(aliasMatches("scsi:t-0x0?*", "scsi:t-0x0")).toBe(false);
    expect(aliasMatches("of:N*T*Cvirtio,mmio[0-9]", "of:NvirtioT(null)Cvirtio,mmio7")).toBe(true);
    expect(aliasMatches("of:N*T*Cvirtio,mmio[!0-9]", "of:NvirtioT(null)Cvirtio,mmio7")).toBe(false);
  });

  test("regular-expression characters in a pattern are literal", () => {
    expect(aliasMatches("acpi*:MSFT0101:*", "acpi:MSFT0101:")).toBe(true);
    expect(aliasMatches("a.b(c)+", "a.b(c)+")).toBe(true);
    expect(aliasMatches("a.b", "axb")).toBe(false);
  });
});

describe("isDeviceAlias", () => {
  test("bus aliases name devices; filesystems, device nodes and names do not", () => {
    expect(["pci:v*", "virtio:d00000002v*", "acpi*:MSFT0101:*", "scsi:t-0x00*", "usb:v*"].every(isDeviceAlias)).toBe(true);
    expect(["fs-vfat", "devname:fuse", "char-major-10-229", "nls_cp437"].some(isDeviceAlias)).toBe(false);
  });
});

describe("modulesForDevices", () => {
  const SHIPPED = [
    "virtio_blk",
    "scsi_common",
    "scsi_mod",
    "virtio_scsi",
    "libata",
    "libahci",
    "ahci",
    "sd_mod",
    "fat",
    "vfat",
    "nls_cp437",
    "efivarfs",
    "tpm_crb",
    "usb_storage",
  ];
  const DEPENDENCIES = new Set(["scsi_common", "scsi_mod", "libata", "libahci", "fat"]);
  const aliases = parseModulesAlias(ALIAS);

  test("q35 with an NVMe ESP: AHCI for its controller, FAT, code pages and efivarfs; no virtio disk, SCSI disk, TPM or USB storage", () => {
    expect(modulesForDevices(SHIPPED, DEPENDENCIES, aliases, Q35)).toEqual(["ahci", "vfat", "nls_cp437", "efivarfs"]);
  });

  test("a disk that appears later (a SCSI disk behind the controller) adds its driver on the next look", () => {
    expect(modulesForDevices(SHIPPED, DEPENDENCIES, aliases, [...Q35, "virtio:d00000002v00001AF4", "scsi:t-0x00"])).toEqual([
      "virtio_blk",
      "ahci",
      "sd_mod",
      "vfat",
      "nls_cp437",
      "efivarfs",
    ]);
  });

  test("no devices at all: only what needs none", () => {
    expect(modulesForDevices(SHIPPED, DEPENDENCIES, aliases, [])).toEqual(["vfat", "nls_cp437", "efivarfs"]);
  });
});
