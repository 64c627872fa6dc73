/**
 * Undoing a compressed arm64 kernel into a memfd (docs/kexec.md §10), with the runtime's gzip and zstd
 * decoders: the bytes come back exact, memory stays flat for a large kernel, and a stream that is cut short,
 * inflates without end or holds no Image is refused with a sentence naming the file.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decompressKernelInto, KERNEL_DECOMPRESSED_MAX } from "../../../src/linux/decompress-kernel.ts";
import { closeFd, memfdCreate } from "../../../src/linux/memfd.ts";
import { prng } from "../../support/prng.ts";

function randomBytes(seed: number, n: number): Uint8Array {
  const next = prng(seed);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
  return b;
}

const dir = mkdtempSync(join(tmpdir(), "decompress-"));

/** An arm64 Image: its header (image_size, 4K pages, little-endian) and `body` bytes after it, `bodySize` in all. */
function image(body: Uint8Array, bodySize = body.byteLength): Uint8Array {
  const b = new Uint8Array(64 + body.byteLength);
  const dv = new DataView(b.buffer);
  b.set([0x4d, 0x5a], 0);
  dv.setBigUint64(16, BigInt(64 + bodySize + 65536), true);
  dv.setBigUint64(24, 0xan, true);
  b.set(new TextEncoder().encode("ARM\x64"), 0x38);
  b.set(body, 64);
  return b;
}

function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

async function undo(path: string, encoding: "gzip" | "zstd", offset = 0, size?: number): Promise<Uint8Array> {
  const fd = memfdCreate("test-kernel");
  try {
    const n = await decompressKernelInto(fd, [{ type: "range", path, offset, size: size ?? readFileSync(path).byteLength - offset }], encoding, path, (p) => p);
    return new Uint8Array(readFileSync(`/proc/self/fd/${fd}`)).subarray(0, n);
  } finally {
    closeFd(fd);
  }
}

const IMAGE = image(randomBytes(7, 3 * 1024 * 1024));

describe("decompressKernelInto()", () => {
  test("gzip: the Image comes back byte for byte", async () => {
    expect(Buffer.from(await undo(file("k.gz", Bun.gzipSync(IMAGE as Uint8Array<ArrayBuffer>)), "gzip")).equals(Buffer.from(IMAGE))).toBe(true);
  });

  test("zstd, from inside a larger file (a zboot payload at its offset)", async () => {
    const z = Bun.zstdCompressSync(IMAGE as Uint8Array<ArrayBuffer>);
    const wrapped = new Uint8Array(4096 + z.byteLength + 100);
    wrapped.set(z, 4096);
    expect(Buffer.from(await undo(file("zboot", wrapped), "zstd", 4096, z.byteLength)).equals(Buffer.from(IMAGE))).toBe(true);
  });

  test("a stream cut short is refused: it ends before its end marker", async () => {
    const gz = Bun.gzipSync(IMAGE as Uint8Array<ArrayBuffer>);
    const p = file("cut.gz", gz.subarray(0, gz.byteLength - 1000));
    await expect(undo(p, "gzip")).rejects.toThrow(
      `Cannot boot "${p}": its gzip-compressed kernel cannot be decompressed: the stream ends before its end marker (the file is cut short)`,
    );
  });

  test("a stream that holds no arm64 Image is refused", async () => {
    const p = file("notimage.zst", Bun.zstdCompressSync(randomBytes(8, 100_000) as Uint8Array<ArrayBuffer>));
    await expect(undo(p, "zstd")).rejects.toThrow(`Cannot boot "${p}": its zstd-compressed kernel does not hold an arm64 Image`);
  });

  test("corrupt bytes are refused with the decoder's reason", async () => {
    const gz = Bun.gzipSync(IMAGE as Uint8Array<ArrayBuffer>);
    gz.fill(0x55, 100, 2000);
    await expect(undo(file("corrupt.gz", gz), "gzip")).rejects.toThrow("its gzip-compressed kernel cannot be decompressed: ");
  });

  test("a stream that inflates without end stops at the limit; a large kernel keeps memory flat", async () => {
    // Made by gzip from a pipe, so the test itself never holds the kernel either.
    const zeros = async (n: number) => {
      const p = join(dir, `zeros-${n}.gz`);
      writeFileSync(join(dir, "header"), image(new Uint8Array(0), n));
      const sh = Bun.spawn(["sh", "-c", `{ cat "${join(dir, "header")}"; head -c ${n} /dev/zero; } | gzip -1 > "${p}"`]);
      expect(await sh.exited).toBe(0);
      return p;
    };
    const inflate = async (path: string) => {
      const fd = memfdCreate("test-kernel");
      try {
        return await decompressKernelInto(fd, [{ type: "range", path, offset: 0, size: Bun.file(path).size }], "gzip", path, (p) => p);
      } finally {
        closeFd(fd);
      }
    };
    const big = await zeros(400 * 1024 * 1024);
    Bun.gc(true);
    const before = process.memoryUsage.rss();
    let peak = before;
    // A sample over the bound is taken again after a collection: what is measured is what the decoder holds,
    // not how far the collector, which runs on its own thread, lags behind on a busy machine.
    const timer = setInterval(() => {
      let rss = process.memoryUsage.rss();
      if (rss - before >= 64 * 1024 * 1024) {
        Bun.gc(true);
        rss = process.memoryUsage.rss();
      }
      peak = Math.max(peak, rss);
    }, 5);
    const out = await inflate(big);
    clearInterval(timer);
    expect(out).toBe(400 * 1024 * 1024 + 64);
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
    await expect(inflate(await zeros(KERNEL_DECOMPRESSED_MAX + 1024 * 1024))).rejects.toThrow(
      `inflates past ${KERNEL_DECOMPRESSED_MAX} bytes, more than any kernel`,
    );
  }, 120_000);
});
