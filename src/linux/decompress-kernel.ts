/**
 * Undoing a compressed arm64 kernel into the kernel's memfd (docs/kexec.md §10): the compressed bytes are read
 * from their file ranges a megabyte at a time and streamed through the runtime's gzip or zstd decoder, so
 * memory stays flat whatever the kernel's size. The result must be an arm64 Image, and no larger than any
 * kernel is; a stream that is cut short, corrupt or ends early is refused with a sentence naming the file.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { createGunzip, createZstdDecompress } from "node:zlib";
import { BootError } from "../errors.ts";
import { type ByteLeaf } from "../bytes/byte-source.ts";
import { ARM64_HEADER_BYTES, identifyArm64Kernel } from "../kexec/arm64-kernel.ts";
import { writeAll } from "./memfd.ts";

/** No arm64 kernel comes near this; a stream that inflates past it is not one (a decompression bomb). */
export const KERNEL_DECOMPRESSED_MAX = 512 * 1024 * 1024;
const CHUNK = 1024 * 1024;

/**
 * Decompresses `leaves` (ranges of files, as a plan names them) into `fd`; returns the bytes written.
 * @throws BootError naming `label` when the stream is corrupt, cut short, too large, or not an arm64 Image
 */
export async function decompressKernelInto(fd: number, leaves: Iterable<ByteLeaf>, encoding: "gzip" | "zstd", label: string, resolve: (path: string) => string, onBytes?: (n: number) => void): Promise<number> {
  const fail = (why: string) => new BootError(`Cannot boot "${label}": its ${encoding}-compressed kernel ${why}`, "Rebuild or reinstall this UKI; ukiboot tries the next entry");
  const stream = encoding === "gzip" ? createGunzip() : createZstdDecompress();
  let written = 0;
  let first: Uint8Array | undefined;
  let failure: Error | undefined;
  stream.on("data", (chunk: Buffer) => {
    if (failure) return;
    if (written + chunk.byteLength > KERNEL_DECOMPRESSED_MAX) {
      failure = fail(`inflates past ${KERNEL_DECOMPRESSED_MAX} bytes, more than any kernel`);
      stream.destroy();
      return;
    }
    if (!first) first = new Uint8Array(chunk.subarray(0, ARM64_HEADER_BYTES));
    writeAll(fd, chunk);
    written += chunk.byteLength;
  });
  const finished = new Promise<void>((resolveDone, reject) => {
    stream.on("end", resolveDone);
    stream.on("close", () => (failure ? reject(failure) : undefined));
    stream.on("error", (e: Error) => reject(failure ?? fail(`cannot be decompressed: ${/unexpected end/i.test(e.message) ? "the stream ends before its end marker (the file is cut short)" : e.message}`)));
  });
  finished.catch(() => undefined);
  // One waiter at a time, woken when the decoder drains or closes (no listener per chunk).
  let closed = false;
  let wake: (() => void) | undefined;
  stream.on("drain", () => wake?.());
  stream.on("close", () => ((closed = true), wake?.()));
  const buf = new Uint8Array(CHUNK);
  for (const leaf of leaves) {
    if (leaf.type !== "range") throw fail("is not one range of a file");
    const inFd = openSync(resolve(leaf.path), "r");
    try {
      for (let done = 0; done < leaf.size && !failure; ) {
        const n = readSync(inFd, buf, 0, Math.min(CHUNK, leaf.size - done), leaf.offset + done);
        if (n === 0) throw fail(`is cut short: the file ends ${leaf.size - done} bytes early`);
        done += n;
        onBytes?.(n);
        // Backpressure: wait until the decoder has taken this chunk before reading the next.
        if (!stream.write(buf.slice(0, n)) && !closed) await new Promise<void>((r) => (wake = r));
      }
    } finally {
      closeSync(inFd);
    }
  }
  stream.end();
  await finished;
  if (failure) throw failure;
  const kind = identifyArm64Kernel(first ?? new Uint8Array(), written, `"${label}"`);
  if ("error" in kind || kind.kind !== "image") throw fail(`does not hold an arm64 Image: ${"error" in kind ? kind.error : `it holds ${kind.kind}`}`);
  return written;
}
