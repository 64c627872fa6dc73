/**
 * Block devices from /sys/class/block and their GPT partitions, read from the disk itself (no udev in the
 * initramfs): the ESP is found by its partition type, on any disk (NVMe, virtio, SATA, USB, MMC).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { FormatError } from "../errors.ts";
import { readFatLabel } from "../disk/fat-label.ts";
import { readRangeSync } from "./node-fs.ts";
import { ESP_TYPE_GUID, type GptPartition, parseGptEntries, parseGptHeader, XBOOTLDR_TYPE_GUID } from "../disk/gpt.ts";

export interface BlockPartition extends GptPartition {
  /** Kernel name, e.g. "nvme0n1p1", and the device node "/dev/nvme0n1p1". */
  kernelName: string;
  device: string;
  disk: string;
  /** FAT volume label, for ESP and XBOOTLDR partitions (ukiboot.esp=LABEL=…). */
  label?: string;
}

function readSmall(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Whole disks (not partitions), skipping loop, ram, zram and device-mapper nodes that never hold an ESP. */
export function listDisks(sysBlock = "/sys/class/block"): string[] {
  if (!existsSync(sysBlock)) return [];
  return readdirSync(sysBlock)
    .filter((n) => !existsSync(`${sysBlock}/${n}/partition`))
    .filter((n) => !/^(loop|ram|zram|dm-|sr|fd)/.test(n))
    .sort();
}

/** The GPT partitions of one disk, matched to their kernel partition names. */
export function readDiskPartitions(disk: string, sysBlock = "/sys/class/block", devDir = "/dev"): BlockPartition[] {
  const sectorSize = Number(readSmall(`${sysBlock}/${disk}/queue/logical_block_size`) ?? "512") || 512;
  const device = `${devDir}/${disk}`;
  const header = parseGptHeader(readRangeSync(device, sectorSize, sectorSize), device);
  const entriesBytes = readRangeSync(device, Number(header.entriesLba) * sectorSize, header.entryCount * header.entrySize);
  const parts = parseGptEntries(entriesBytes, header, device);
  const byNumber = new Map<number, string>();
  for (const n of readdirSync(`${sysBlock}/${disk}`)) {
    const num = readSmall(`${sysBlock}/${disk}/${n}/partition`);
    if (num !== undefined) byNumber.set(Number(num), n);
  }
  const out: BlockPartition[] = [];
  for (const p of parts) {
    const kernelName = byNumber.get(p.number);
    if (kernelName === undefined) continue; // the kernel has not (yet) created this partition's device
    const device = `${devDir}/${kernelName}`;
    let label: string | undefined;
    if (p.typeGuid === ESP_TYPE_GUID || p.typeGuid === XBOOTLDR_TYPE_GUID) {
      try {
        label = readFatLabel(readRangeSync(device, 0, 512));
      } catch {
        label = undefined;
      }
    }
    out.push({ ...p, kernelName, device, disk, ...(label !== undefined ? { label } : {}) });
  }
  return out;
}

/** Every GPT partition on every disk; disks without a GPT or unreadable disks are listed in `skipped`. */
export function scanPartitions(sysBlock = "/sys/class/block", devDir = "/dev"): { partitions: BlockPartition[]; skipped: { disk: string; reason: string }[] } {
  const partitions: BlockPartition[] = [];
  const skipped: { disk: string; reason: string }[] = [];
  for (const disk of listDisks(sysBlock)) {
    try {
      partitions.push(...readDiskPartitions(disk, sysBlock, devDir));
    } catch (e) {
      skipped.push({ disk, reason: e instanceof FormatError || e instanceof Error ? e.message : String(e) });
    }
  }
  return { partitions, skipped };
}
