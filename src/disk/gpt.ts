/**
 * GUID Partition Table reading (UEFI spec §5.3): the header at LBA 1 and its partition entries, so ukiboot
 * can find the ESP and XBOOTLDR by type without udev or blkid in the initramfs.
 */
import { guidToString } from "../bytes/guid.ts";
import { ByteReader } from "../bytes/byte-reader.ts";
import { BoundsError, FormatError } from "../errors.ts";

export const ESP_TYPE_GUID = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
export const XBOOTLDR_TYPE_GUID = "bc13c2ff-59e6-4262-a352-b275fd6f7172";

export interface GptHeader {
  /** LBA of the first partition entry. */
  entriesLba: bigint;
  entryCount: number;
  entrySize: number;
  diskGuid: string;
}

export interface GptPartition {
  /** 1-based partition number, as in /sys/class/block/<part>/partition. */
  number: number;
  typeGuid: string;
  partUuid: string;
  firstLba: bigint;
  lastLba: bigint;
  name: string;
}

/** Upper bound on entries read, far above the usual 128, so a corrupt count cannot make us read gigabytes. */
const MAX_ENTRIES = 1024;

/** Parses the GPT header from the bytes of LBA 1. @throws FormatError when there is no valid GPT. */
export function parseGptHeader(lba1: Uint8Array, source: string): GptHeader {
  try {
    const r = new ByteReader(lba1);
    const sig = new TextDecoder("latin1").decode(r.slice(0, 8));
    if (sig !== "EFI PART") throw new FormatError("gpt", source, `Cannot read the partition table of "${source}": no GPT signature at LBA 1`);
    const entryCount = r.u32(80);
    const entrySize = r.u32(84);
    if (entrySize < 128 || entrySize % 8 !== 0 || entrySize > 4096) {
      throw new FormatError("gpt", source, `Cannot read the partition table of "${source}": partition entry size ${entrySize} is invalid`);
    }
    return { entriesLba: r.u64(72), entryCount: Math.min(entryCount, MAX_ENTRIES), entrySize, diskGuid: guidToString(r.slice(56, 16)) };
  } catch (e) {
    if (e instanceof BoundsError) throw new FormatError("gpt", source, `Cannot read the partition table of "${source}": the header is truncated`, { cause: e });
    throw e;
  }
}

/** Parses partition entries; unused entries (all-zero type) are skipped. */
export function parseGptEntries(bytes: Uint8Array, header: GptHeader, source: string): GptPartition[] {
  const r = new ByteReader(bytes);
  const out: GptPartition[] = [];
  const count = Math.min(header.entryCount, Math.floor(bytes.byteLength / header.entrySize));
  for (let i = 0; i < count; i++) {
    const o = i * header.entrySize;
    const type = r.slice(o, 16);
    if (type.every((b) => b === 0)) continue;
    const nameBytes = r.slice(o + 56, 72);
    let name = new TextDecoder("utf-16le").decode(nameBytes);
    const nul = name.indexOf("\0");
    if (nul >= 0) name = name.slice(0, nul);
    out.push({
      number: i + 1,
      typeGuid: guidToString(type),
      partUuid: guidToString(r.slice(o + 16, 16)),
      firstLba: r.u64(o + 32),
      lastLba: r.u64(o + 40),
      name,
    });
  }
  void source;
  return out;
}
