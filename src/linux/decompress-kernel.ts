/**
 * Undoing a compressed arm64 kernel into the kernel's memfd (docs/kexec.md §10): the compressed bytes are read
 * from their file ranges a megabyte at a time and streamed through the runtime's gzip or zstd decoder
 * (src/kernel-image/kernel-inflate.ts), so memory stays flat whatever the kernel's size. The result must be an arm64
 * Image, and no larger than any kernel is; a stream that is cut short, corrupt or ends early is refused with a
 * sentence naming the file.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { BootError } from "../errors.ts";
import type { ByteLeaf } from "../bytes/byte-source.ts";
import { ARM64_HEADER_BYTES, identifyArm64Kernel } from "../kernel-image/arm64-kernel.ts";
import { inflateKernel, KERNEL_DECOMPRESSED_MAX, KernelInflateError } from "../kernel-image/kernel-inflate.ts";
import { writeAll } from "./memfd.ts";

export { KERNEL_DECOMPRESSED_MAX };

const CHUNK = 1024 * 1024;

/**
 * Decompresses `leaves` (ranges of files, as a plan names them) into `fd`; returns the bytes written.
 * @throws BootError naming `label` when the stream is corrupt, cut short, too large, or not an arm64 Image
 */
export async function decompressKernelInto(
  fd: number,
  leaves: Iterable<ByteLeaf>,
  encoding: "gzip" | "zstd",
  label: string,
  resolve: (path: string) => string,
  onBytes?: (n: number) => void,
): Promise<number> {
  const fail = (why: string) =>
    new BootError(`Cannot boot "${label}": its ${encoding}-compressed kernel ${why}`, "Rebuild or reinstall this UKI; ukiboot tries the next entry");
  /** The compressed bytes, read from each range of each file in turn. */
  function* compressed(): Generator<Uint8Array> {
    const buf = new Uint8Array(CHUNK);
    for (const leaf of leaves) {
      if (leaf.type !== "range") throw fail("is not one range of a file");
      const inFd = openSync(resolve(leaf.path), "r");
      try {
        for (let done = 0; done < leaf.size; ) {
          const n = readSync(inFd, buf, 0, Math.min(CHUNK, leaf.size - done), leaf.offset + done);
          if (n === 0) throw fail(`is cut short: the file ends ${leaf.size - done} bytes early`);
          done += n;
          onBytes?.(n);
          yield buf.slice(0, n);
        }
      } finally {
        closeSync(inFd);
      }
    }
  }
  let written = 0;
  let first: Uint8Array | undefined;
  try {
    for await (const chunk of inflateKernel(compressed(), encoding, { source: label })) {
      if (!first) first = chunk.slice(0, ARM64_HEADER_BYTES);
      writeAll(fd, chunk);
      written += chunk.byteLength;
    }
  } catch (e) {
    if (e instanceof KernelInflateError) throw fail(e.clause);
    throw e;
  }
  const kind = identifyArm64Kernel(first ?? new Uint8Array(), written, `"${label}"`);
  if ("error" in kind || kind.kind !== "image") throw fail(`does not hold an arm64 Image: ${"error" in kind ? kind.error : `it holds ${kind.kind}`}`);
  return written;
}
