/**
 * Real GPT disk images with FAT partitions, built without root: sfdisk writes the partition table into a
 * sparse file, mkfs.vfat formats each partition image, mtools copies the staged tree in, and the partition
 * images are written into the disk at their offsets.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { ESP_TYPE_GUID, XBOOTLDR_TYPE_GUID } from "../../src/disk/gpt.ts";
import { run } from "../../build/lib/run-command.ts";

/** The Discoverable Partitions Specification's root partition type for x86-64. */
const ROOT_X86_64_TYPE_GUID = "4f68bce3-e8cd-4db1-96e7-fbcaf984b709";

export type PartitionSpec = FatPartition | ImagePartition;

/** A root file system written as it is: an image made elsewhere (mkfs.ext4 -d, a LUKS container). */
export interface ImagePartition {
  kind: "root";
  sizeMiB: number;
  image: string;
  partUuid?: string;
  name?: string;
}

export interface FatPartition {
  /** "esp" or "xbootldr" (type GUID) */
  kind: "esp" | "xbootldr";
  sizeMiB: number;
  /** A directory whose contents become the partition's root. */
  tree: string;
  label?: string;
  partUuid?: string;
  /** PARTLABEL */
  name?: string;
}

const SECTOR = 512;
const FIRST_LBA = 2048;

/** Writes `output` as a GPT disk holding the given FAT partitions, in order. */
export async function makeGptDiskImage(output: string, partitions: PartitionSpec[], opts: { diskGuid?: string } = {}): Promise<void> {
  mkdirSync(dirname(output), { recursive: true });
  rmSync(output, { force: true });
  const totalMiB = 1 + partitions.reduce((s, p) => s + p.sizeMiB, 0) + 1;
  // A sparse file: only written blocks take space.
  const fd = openSync(output, "w");
  writeSync(fd, new Uint8Array(1), 0, 1, totalMiB * 1024 * 1024 - 1);
  closeSync(fd);

  let lba = FIRST_LBA;
  const lines = ["label: gpt", "unit: sectors", `first-lba: ${FIRST_LBA}`];
  if (opts.diskGuid) lines.push(`label-id: ${opts.diskGuid}`);
  const starts: number[] = [];
  for (const p of partitions) {
    const size = (p.sizeMiB * 1024 * 1024) / SECTOR;
    starts.push(lba);
    const type = p.kind === "esp" ? ESP_TYPE_GUID : p.kind === "root" ? ROOT_X86_64_TYPE_GUID : XBOOTLDR_TYPE_GUID;
    let line = `start=${lba}, size=${size}, type=${type.toUpperCase()}`;
    if (p.partUuid) line += `, uuid=${p.partUuid}`;
    line += `, name="${p.name ?? (p.kind === "esp" ? "EFI System Partition" : p.kind === "root" ? "Linux root (x86-64)" : "Linux Extended Boot")}"`;
    lines.push(line);
    lba += size;
  }
  await run(["sfdisk", "--no-reread", "--no-tell-kernel", "-q", output], { stdin: `${lines.join("\n")}\n` });

  for (const [i, p] of partitions.entries()) {
    if (p.kind === "root") {
      if (statSync(p.image).size > p.sizeMiB * 1024 * 1024) throw new Error(`Cannot place "${p.image}" in a ${p.sizeMiB} MiB partition: the image is larger`);
      spliceInto(output, p.image, starts[i]! * SECTOR);
      continue;
    }
    const partImg = `${output}.part${i}`;
    rmSync(partImg, { force: true });
    const kib = p.sizeMiB * 1024;
    // FAT32 needs at least ~33 MiB; smaller partitions get FAT16, which firmware reads just as well.
    const fatArgs = p.sizeMiB >= 64 ? ["-F", "32"] : ["-F", "16"];
    await run(["mkfs.vfat", "-C", ...fatArgs, "-n", (p.label ?? (p.kind === "esp" ? "ESP" : "XBOOTLDR")).slice(0, 11), partImg, String(kib)]);
    await copyTree(partImg, p.tree);
    spliceInto(output, partImg, starts[i]! * SECTOR);
    rmSync(partImg, { force: true });
  }
}

async function copyTree(img: string, tree: string): Promise<void> {
  const env = { MTOOLS_SKIP_CHECK: "1" };
  const walk = async (rel: string) => {
    for (const name of readdirSync(join(tree, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = statSync(join(tree, r));
      if (st.isDirectory()) {
        await run(["mmd", "-i", img, `::/${r}`], { env });
        await walk(r);
      } else {
        await run(["mcopy", "-i", img, "-o", join(tree, r), `::/${r}`], { env });
      }
    }
  };
  await walk("");
}

function spliceInto(disk: string, part: string, offset: number): void {
  const out = openSync(disk, "r+");
  const inp = openSync(part, "r");
  try {
    const buf = new Uint8Array(4 << 20);
    let pos = 0;
    for (;;) {
      const n = readSync(inp, buf, 0, buf.length, pos);
      if (n === 0) break;
      // Keep the disk sparse: skip blocks that are all zero.
      if (buf.subarray(0, n).some((b) => b !== 0)) writeSync(out, buf, 0, n, offset + pos);
      pos += n;
    }
  } finally {
    closeSync(out);
    closeSync(inp);
  }
}
