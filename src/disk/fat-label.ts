/**
 * The volume label of a FAT file system, read from its boot sector (Microsoft FAT specification: BS_VolLab
 * at 0x2B for FAT12/16, at 0x47 for FAT32), for `ukiboot.esp=LABEL=…` without blkid in the initramfs.
 */

/** The label, trimmed of its space padding; undefined when the sector is not a FAT boot sector or has none. */
export function readFatLabel(bootSector: Uint8Array): string | undefined {
  if (bootSector.byteLength < 512 || bootSector[510] !== 0x55 || bootSector[511] !== 0xaa) return undefined;
  const dv = new DataView(bootSector.buffer, bootSector.byteOffset, bootSector.byteLength);
  // BPB_FATSz16 is zero on FAT32, whose extended boot record is 28 bytes further on.
  const fat32 = dv.getUint16(0x16, true) === 0;
  const sigOffset = fat32 ? 0x42 : 0x26;
  // BS_BootSig 0x29 says the volume ID, label and file system type fields are present.
  if (bootSector[sigOffset] !== 0x29) return undefined;
  const start = fat32 ? 0x47 : 0x2b;
  const label = new TextDecoder("latin1").decode(bootSector.subarray(start, start + 11)).replace(/[ \0]+$/, "");
  return label === "" || label === "NO NAME" ? undefined : label;
}
