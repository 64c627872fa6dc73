/**
 * Undoing a compressed kernel as a stream (src/kernel-image/kernel-inflate.ts): the compressor told from its magic
 * as the kernel's decompressors tell it, the runtime's gzip and zstd decoders fed in chunks, and a stream that
 * is corrupt, ends early or inflates without end refused with a sentence naming the file.
 */
import { describe, expect, test } from "bun:test";
import { inflateKernel, KernelInflateError, kernelCompressionOf } from "../../../src/kernel-image/kernel-inflate.ts";
import { filler } from "./config-kernels.ts";

const SOURCE = "/efi/vmlinuz-test";
const KERNEL = filler(11, 700_000);

/** `bytes` in input chunks of `size` bytes. */
function* chunked(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let o = 0; o < bytes.byteLength; o += size) yield bytes.subarray(o, o + size);
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

async function failure(chunks: AsyncIterable<Uint8Array>): Promise<KernelInflateError> {
  const e = await collect(chunks).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof KernelInflateError)) throw new Error(`expected a KernelInflateError, got ${String(e)}`);
  return e;
}

describe("kernelCompressionOf()", () => {
  test("names each compressor a kernel can be built with, from the magic its decompressor checks", () => {
    expect(kernelCompressionOf(Uint8Array.from([0x1f, 0x8b, 0x08, 0]))).toBe("gzip");
    expect(kernelCompressionOf(Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe("zstd");
    expect(kernelCompressionOf(Uint8Array.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))).toBe("xz");
    expect(kernelCompressionOf(Uint8Array.from([0x5d, 0x00, 0x00, 0x80]))).toBe("lzma");
    expect(kernelCompressionOf(Uint8Array.from([0x42, 0x5a, 0x68, 0x39]))).toBe("bzip2");
    expect(kernelCompressionOf(Uint8Array.from([0x02, 0x21, 0x4c, 0x18]))).toBe("lz4");
    expect(kernelCompressionOf(Uint8Array.from([0x89, 0x4c, 0x5a, 0x4f]))).toBe("lzo");
    expect(kernelCompressionOf(new TextEncoder().encode("ELF kernel"))).toBeUndefined();
    expect(kernelCompressionOf(new Uint8Array(0))).toBeUndefined();
  });
});

describe("inflateKernel()", () => {
  test("gzip and zstd come back byte for byte, whatever the input chunks", async () => {
    for (const [compression, stream] of [
      ["gzip", Bun.gzipSync(KERNEL as Uint8Array<ArrayBuffer>)],
      ["zstd", Bun.zstdCompressSync(KERNEL as Uint8Array<ArrayBuffer>)],
    ] as const) {
      for (const size of [1 << 20, 4096, 777]) {
        const out = await collect(inflateKernel(chunked(stream, size), compression, { source: SOURCE }));
        expect(Buffer.from(out).equals(Buffer.from(KERNEL))).toBe(true);
      }
    }
  });

  test("a stream that ends before the size its image states is refused as cut short (a zstd decoder does not notice by itself)", async () => {
    const z = Bun.zstdCompressSync(KERNEL as Uint8Array<ArrayBuffer>);
    const e = await failure(inflateKernel(chunked(z.subarray(0, z.byteLength - 200), 4096), "zstd", { source: SOURCE, expectedSize: KERNEL.byteLength }));
    expect(e.clause).toMatch(/^cannot be decompressed: the stream ends after \d+ of the 700000 bytes its image states \(the file is cut short\)$/);
    expect(e.message).toMatch(/^Cannot decompress the kernel of "\/efi\/vmlinuz-test": its zstd stream ends after \d+ of the 700000 bytes/);
  });

  test("a gzip stream cut short, or corrupt, is refused with the reason", async () => {
    const gz = Bun.gzipSync(KERNEL as Uint8Array<ArrayBuffer>);
    const cut = await failure(inflateKernel(chunked(gz.subarray(0, gz.byteLength - 1000), 4096), "gzip", { source: SOURCE }));
    expect(cut.clause).toBe("cannot be decompressed: the stream ends before its end marker (the file is cut short)");
    const corrupt = Buffer.from(gz);
    corrupt.fill(0x55, 100, 2000);
    const bad = await failure(inflateKernel(chunked(corrupt, 4096), "gzip", { source: SOURCE }));
    expect(bad.clause).toStartWith("cannot be decompressed: ");
  });

  test("a stream that inflates past the limit is stopped there", async () => {
    const zeros = Bun.gzipSync(new Uint8Array(5 * 1024 * 1024));
    const e = await failure(inflateKernel(chunked(zeros, 4096), "gzip", { source: SOURCE, limit: 1024 * 1024 }));
    expect(e.clause).toBe("inflates past 1048576 bytes, more than any kernel");
  });

  test("a reader that stops early stops the reading of the input too", async () => {
    const zeros = Bun.zstdCompressSync(filler(5, 4 * 1024 * 1024) as Uint8Array<ArrayBuffer>);
    let pulled = 0;
    function* counted(): Generator<Uint8Array> {
      for (const c of chunked(zeros, 16 * 1024)) {
        pulled++;
        yield c;
      }
    }
    for await (const _ of inflateKernel(counted(), "zstd", { source: SOURCE })) break;
    expect(pulled).toBeLessThan(Math.ceil(zeros.byteLength / (16 * 1024)));
  });

  test("an error of the input's reader reaches the caller as it is", async () => {
    function* broken(): Generator<Uint8Array> {
      yield Bun.gzipSync(KERNEL as Uint8Array<ArrayBuffer>).subarray(0, 1000);
      throw new RangeError("the file ends 5 bytes early");
    }
    const e = await collect(inflateKernel(broken(), "gzip", { source: SOURCE })).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(RangeError);
    expect((e as Error).message).toBe("the file ends 5 bytes early");
  });
});
