/**
 * Small kernel images that carry a configuration the way CONFIG_IKCONFIG embeds it (kernel/configs.c: the
 * text gzip'd between "IKCFG_ST" and "IKCFG_ED" in .rodata), for the tests of the initrd check against the
 * target kernel. Debian's kernels are built without CONFIG_IKCONFIG (their config-* files say
 * "# CONFIG_IKCONFIG is not set"), so no packaged kernel can show the embedded case; these do, in the two
 * packings kexec takes: an x86 bzImage whose setup header names its compressed payload, and an arm64 Image.
 */
import { prng } from "../../support/prng.ts";

/** Deterministic bytes standing in for a kernel's code and data around the configuration. */
export function filler(seed: number, n: number): Uint8Array {
  const next = prng(seed);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = next() & 0xff;
  return b;
}

/** A decompressed kernel ("vmlinux") with `config` embedded as CONFIG_IKCONFIG=y does, amid filler bytes. */
export function vmlinuxWithConfig(config: string | null, opts: { before?: number; after?: number } = {}): Uint8Array {
  const before = filler(1, opts.before ?? 200_000);
  const after = filler(2, opts.after ?? 100_000);
  if (config === null) return new Uint8Array(Buffer.concat([before, after]));
  const block = Buffer.concat([Buffer.from("IKCFG_ST"), Bun.gzipSync(new TextEncoder().encode(config)), Buffer.from("IKCFG_ED")]);
  return new Uint8Array(Buffer.concat([before, block, after]));
}

/**
 * An x86 bzImage around `vmlinux`: one setup sector with the boot protocol 2.15 header (HdrS, syssize,
 * payload_offset and payload_length relative to the protected-mode code, init_size), then the compressed
 * payload as arch/x86/boot/compressed builds it: the stream, and for every compressor but gzip its
 * uncompressed size as 4 little-endian bytes (size_append).
 */
export function bzImage(vmlinux: Uint8Array, compression: "gzip" | "zstd" | "xz"): Uint8Array {
  const stream =
    compression === "gzip"
      ? Bun.gzipSync(vmlinux as Uint8Array<ArrayBuffer>)
      : compression === "zstd"
        ? Bun.zstdCompressSync(vmlinux as Uint8Array<ArrayBuffer>)
        : xzLookalike();
  const sized = compression === "gzip" ? stream : Buffer.concat([stream, Buffer.from(Uint32Array.of(vmlinux.byteLength).buffer)]);
  const setupSects = 1;
  const pm = (setupSects + 1) * 512;
  const payloadOffset = 0x40;
  const pmSize = Math.ceil((payloadOffset + sized.byteLength) / 16) * 16;
  const out = new Uint8Array(pm + pmSize);
  const dv = new DataView(out.buffer);
  out.set([0x4d, 0x5a], 0);
  out[0x1f1] = setupSects;
  dv.setUint32(0x1f4, pmSize / 16, true);
  out.set(new TextEncoder().encode("HdrS"), 0x202);
  dv.setUint16(0x206, 0x020f, true);
  dv.setUint32(0x248, payloadOffset, true);
  dv.setUint32(0x24c, sized.byteLength, true);
  dv.setUint32(0x260, vmlinux.byteLength * 2, true);
  out.set(sized, pm + payloadOffset);
  return out;
}

/** The start of an xz stream (magic and stream flags) and filler: enough to be told apart, not to be undone. */
function xzLookalike(): Uint8Array {
  return new Uint8Array(Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x01]), filler(3, 4096)]));
}

/** An arm64 Image around `vmlinux`: the 64-byte header (image_size, 4K pages, little-endian, "ARM\x64") first. */
export function arm64Image(vmlinux: Uint8Array): Uint8Array {
  const out = new Uint8Array(64 + vmlinux.byteLength);
  const dv = new DataView(out.buffer);
  out.set([0x4d, 0x5a], 0);
  dv.setBigUint64(16, BigInt(out.byteLength + 65536), true);
  dv.setBigUint64(24, 0xan, true);
  out.set(new TextEncoder().encode("ARM\x64"), 0x38);
  out.set(vmlinux, 64);
  return out;
}

/** A configuration as Kconfig writes it, without zstd for the initrd. */
export const CONFIG_WITHOUT_RD_ZSTD =
  "#\n# Automatically generated file; DO NOT EDIT.\n#\nCONFIG_BLK_DEV_INITRD=y\nCONFIG_RD_GZIP=y\n# CONFIG_RD_ZSTD is not set\nCONFIG_IKCONFIG=y\n";
