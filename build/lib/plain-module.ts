/**
 * A kernel module as it goes into an initramfs: uncompressed. Debian ships `.ko.xz`; finit_module(2) can take
 * those (MODULE_INIT_COMPRESSED_FILE), but then the boot kernel decompresses every module while the machine
 * waits, which the initramfs's own compression makes pointless (docs/boot-time.md §4).
 */
import { readFileSync } from "node:fs";

const DECOMPRESSORS: Record<string, string[]> = { xz: ["xz", "-dc"], zst: ["zstd", "-dcq"], gz: ["gzip", "-dc"] };

/** The module file's bytes, decompressed with the matching tool if it is compressed. */
export function plainModuleBytes(file: string): Uint8Array {
  const m = /\.ko\.(xz|zst|gz)$/.exec(file);
  if (!m) return readFileSync(file);
  const p = Bun.spawnSync([...DECOMPRESSORS[m[1]!]!, file]);
  if (p.exitCode !== 0)
    throw new Error(
      `Cannot decompress the kernel module "${file}" with ${DECOMPRESSORS[m[1]!]![0]}: ${p.stderr.toString().trim()}; check that the modules tree is complete, or fetch the kernel package again`,
    );
  return p.stdout;
}
