/**
 * What a kernel can unpack from an initrd, read from its Kconfig text (/proc/config.gz after gunzip, or
 * /boot/config-<version>): CONFIG_BLK_DEV_INITRD, the CONFIG_RD_* decompressors and the xz BCJ filters
 * (Linux usr/Kconfig, lib/xz/Kconfig). The caller reads and decompresses the file.
 */
import type { KernelCompressor } from "./compression.ts";

/** CONFIG_* name → value ("y", "m", a number or a quoted string); "# CONFIG_X is not set" maps to "n". */
export type KernelConfig = ReadonlyMap<string, string>;

/**
 * Parses Kconfig output. Lines that are neither `CONFIG_X=value` nor `# CONFIG_X is not set` are ignored.
 * @example parseKernelConfig("CONFIG_RD_GZIP=y\n# CONFIG_RD_LZ4 is not set\n").get("CONFIG_RD_LZ4")  // "n"
 */
export function parseKernelConfig(text: string): KernelConfig {
  const out = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const unset = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/.exec(line);
    if (unset) {
      out.set(unset[1]!, "n");
      continue;
    }
    const set = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (set) out.set(set[1]!, set[2]!);
  }
  return out;
}

export const RD_CONFIG: Readonly<Record<KernelCompressor, string>> = {
  gzip: "CONFIG_RD_GZIP",
  bzip2: "CONFIG_RD_BZIP2",
  lzma: "CONFIG_RD_LZMA",
  xz: "CONFIG_RD_XZ",
  lzo: "CONFIG_RD_LZO",
  lz4: "CONFIG_RD_LZ4",
  zstd: "CONFIG_RD_ZSTD",
};

/** Whether a bool option is built in. Options Kconfig did not write (unmet dependencies) count as off. */
export function isBuiltIn(config: KernelConfig, name: string): boolean {
  return config.get(name) === "y";
}

/** Whether the kernel has initramfs support at all. */
export function hasInitramfsSupport(config: KernelConfig): boolean {
  return isBuiltIn(config, "CONFIG_BLK_DEV_INITRD");
}

/** Whether the kernel can decompress initrd members of this kind (CONFIG_RD_* are bools: "y" or absent). */
export function canDecompress(config: KernelConfig, compressor: KernelCompressor): boolean {
  return isBuiltIn(config, RD_CONFIG[compressor]);
}
