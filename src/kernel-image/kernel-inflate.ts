/**
 * Undoing a compressed kernel as a stream: which compressor packed it, told from the magic its own
 * decompressor checks (lib/decompress.c), and the runtime's gzip and zstd decoders fed chunk by chunk, so
 * memory stays flat whatever the kernel's size. The arm64 loader undoes a gzip or zboot kernel with it
 * (docs/kexec.md §10); the initrd check reads the configuration a kernel carries through it (docs/initrd.md §5).
 * Nothing here reads a file: the caller hands in the compressed chunks.
 */
import { Readable } from "node:stream";
import { createGunzip, createZstdDecompress } from "node:zlib";

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

/**
 * The decompressed kernel, chunk by chunk. Breaking out of the loop stops the decoder and the reading of
 * `input`. An error thrown by `input` (a file that ends early) reaches the caller as it is.
 * @throws KernelInflateError when the stream is corrupt, ends early or inflates past the limit
 */
export async function* inflateKernel(
  input: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  compression: InflatableCompression,
  opts: InflateOptions,
): AsyncGenerator<Uint8Array> {
  const limit = opts.limit ?? KERNEL_DECOMPRESSED_MAX;
  const fail = (problem: string, clause = `cannot be decompressed: the stream ${problem}`) => new KernelInflateError(opts.source, compression, problem, clause);
  const decoder = compression === "gzip" ? createGunzip({ chunkSize: 64 * 1024 }) : createZstdDecompress({ chunkSize: 64 * 1024 });
  // One compressed chunk buffered at a time: the decoder's own buffers give the rest of the backpressure.
  const feed = Readable.from(input, { objectMode: true, highWaterMark: 1 });
  let inputError: unknown;
  feed.on("error", (e) => {
    inputError = e;
    decoder.destroy(e);
  });
  feed.pipe(decoder);
  let written = 0;
  try {
    for await (const chunk of decoder as AsyncIterable<Buffer>) {
      written += chunk.byteLength;
      if (written > limit) throw fail(`inflates past ${limit} bytes, more than any kernel`, `inflates past ${limit} bytes, more than any kernel`);
      yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
  } catch (e) {
    if (inputError !== undefined) throw inputError;
    if (e instanceof KernelInflateError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    if (/unexpected end/i.test(message)) throw fail("ends before its end marker (the file is cut short)");
    throw fail(`is corrupt (${message})`, `cannot be decompressed: ${message}`);
  } finally {
    feed.destroy();
    decoder.destroy();
  }
  if (opts.expectedSize !== undefined && written < opts.expectedSize) {
    throw fail(`ends after ${written} of the ${opts.expectedSize} bytes its image states (the file is cut short)`);
  }
}
