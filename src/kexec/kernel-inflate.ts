/**
 * Undoing a compressed kernel: which compressor packed it, told from the magic its own decompressor checks
 * (lib/decompress.c), and the runtime's gzip and zstd decoders, with a limit no kernel reaches. The arm64
 * loader undoes a gzip or zboot kernel with it (docs/kexec.md §10); the initrd check reads the configuration a kernel carries through it (docs/initrd.md §5).
 * Nothing here reads a file: the caller hands in the compressed chunks.
 */
import { gunzipSync, zstdDecompressSync } from "node:zlib";

/** The compressors a kernel can be built with (CONFIG_KERNEL_*). */
export type KernelCompression = "gzip" | "zstd" | "xz" | "lzma" | "bzip2" | "lz4" | "lzo";

/** The two the runtime has decoders for; the others would need decoders ukiboot does not carry. */
export type InflatableCompression = "gzip" | "zstd";

/** No kernel comes near this; a stream that inflates past it is not one (a decompression bomb). */
export const KERNEL_DECOMPRESSED_MAX = 512 * 1024 * 1024;

const MAGICS: readonly [KernelCompression, readonly number[]][] = [
  ["gzip", [0x1f, 0x8b]],
  ["zstd", [0x28, 0xb5, 0x2f, 0xfd]],
  ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ["lzma", [0x5d, 0x00, 0x00]],
  ["bzip2", [0x42, 0x5a, 0x68]],
  // The legacy LZ4 frame, the only one the kernel's lz4 decompressor reads.
  ["lz4", [0x02, 0x21, 0x4c, 0x18]],
  ["lzo", [0x89, 0x4c, 0x5a, 0x4f]],
];

/**
 * The compressor whose stream starts with `head`, or undefined for anything else (an uncompressed kernel).
 * @example kernelCompressionOf(Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd)) // "zstd"
 */
export function kernelCompressionOf(head: Uint8Array): KernelCompression | undefined {
  return MAGICS.find(([, magic]) => magic.every((b, i) => head[i] === b))?.[0];
}

export function isInflatable(compression: KernelCompression): compression is InflatableCompression {
  return compression === "gzip" || compression === "zstd";
}

/**
 * A compressed kernel that cannot be undone. `problem` completes "its <compression> stream …" and
 * `clause` completes "its <compression>-compressed kernel …", for the loader's own sentence.
 */
export class KernelInflateError extends Error {
  override name = "KernelInflateError";
  constructor(
    readonly source: string,
    readonly compression: InflatableCompression,
    readonly problem: string,
    readonly clause: string,
  ) {
    super(`Cannot decompress the kernel of "${source}": its ${compression} stream ${problem}`);
  }
}

export interface InflateOptions {
  /** Names the file in messages. */
  source: string;
  /** The most bytes the stream may inflate to; KERNEL_DECOMPRESSED_MAX by default. */
  limit?: number;
  /**
   * The size the image states for the kernel (a bzImage's size_append, gzip's own ISIZE): a stream that ends
   * short of it was cut, which the zstd decoder does not report by itself.
   */
  expectedSize?: number;
}

/** How much of the decompressed kernel each yielded chunk holds. */
const OUT_CHUNK = 1024 * 1024;

/**
 * The decompressed kernel, chunk by chunk. The compressed input is gathered first and undone by one call of the
 * runtime's synchronous decoder, on the calling thread: the arm64 runtime (Bun 1.4.5) has crashed while its
 * streaming decoder, which works on a thread pool, was under way (docs/kexec.md §9). So memory holds the
 * compressed and the decompressed kernel once each, and the decoder itself stops at `limit`. An error thrown
 * by `input` (a file that ends early) reaches the caller as it is.
 * @throws KernelInflateError when the stream is corrupt, ends early or inflates past the limit
 */
export async function* inflateKernel(input: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, compression: InflatableCompression, opts: InflateOptions): AsyncGenerator<Uint8Array> {
  const limit = opts.limit ?? KERNEL_DECOMPRESSED_MAX;
  const fail = (problem: string, clause = `cannot be decompressed: the stream ${problem}`) => new KernelInflateError(opts.source, compression, problem, clause);
  const parts: Uint8Array[] = [];
  for await (const chunk of input) parts.push(chunk.slice());
  const compressed = Buffer.concat(parts);
  parts.length = 0;
  let out: Buffer;
  try {
    out = compression === "gzip" ? gunzipSync(compressed, { maxOutputLength: limit }) : zstdDecompressSync(compressed, { maxOutputLength: limit });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const code = (e as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE" || /larger than|too large|exceed/i.test(message)) throw fail(`inflates past ${limit} bytes, more than any kernel`, `inflates past ${limit} bytes, more than any kernel`);
    if (/unexpected end/i.test(message)) throw fail("ends before its end marker (the file is cut short)");
    throw fail(`is corrupt (${message})`, `cannot be decompressed: ${message}`);
  }
  if (opts.expectedSize !== undefined && out.byteLength < opts.expectedSize) {
    throw fail(`ends after ${out.byteLength} of the ${opts.expectedSize} bytes its image states (the file is cut short)`);
  }
  for (let at = 0; at < out.byteLength; at += OUT_CHUNK) {
    yield new Uint8Array(out.buffer, out.byteOffset + at, Math.min(OUT_CHUNK, out.byteLength - at));
  }
}
