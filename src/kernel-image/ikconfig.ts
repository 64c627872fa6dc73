/**
 * The configuration a kernel image carries: with CONFIG_IKCONFIG=y the build puts its .config, gzip'd,
 * between the markers "IKCFG_ST" and "IKCFG_ED" into the kernel's read-only data (kernel/configs.c), and
 * scripts/extract-ikconfig finds "IKCFG_ST\037\213\010" in the decompressed kernel and gunzips from after the
 * 8 marker bytes. The same is done here over the image kexec will load, so that the initrd is checked against
 * the kernel that will unpack it (docs/initrd.md §5): an x86 bzImage's payload (its setup header says where it
 * is and its magic says how it is packed), an arm64 Image as it is, gzip'd, or inside an EFI zboot image. The
 * packing is undone as a stream, and reading stops at the block. With CONFIG_IKCONFIG=m the block is in a
 * module, not in the image: such a kernel carries none here.
 */
import { gunzipSync } from "node:zlib";
import { FormatError } from "../errors.ts";
import type { SourceReader } from "../bytes/byte-source.ts";
import { classifyKernel, KERNEL_CLASSIFY_BYTES } from "./classify-kernel.ts";
import { inflateKernel, isInflatable, KernelInflateError, kernelCompressionOf, type KernelCompression } from "./kernel-inflate.ts";

const START = Uint8Array.from([..."IKCFG_ST"].map((c) => c.charCodeAt(0)).concat([0x1f, 0x8b, 0x08]));
/** The marker itself; the gzip stream starts with the three bytes after it. */
const START_MARKER_BYTES = 8;
const END = new TextEncoder().encode("IKCFG_ED");
/** A gzip'd .config is some 40 KiB; a block that runs on past this is not one. */
const BLOCK_MAX = 4 * 1024 * 1024;
const CHUNK = 1024 * 1024;

/** What an image says about its kernel's configuration: the text, or a clause on why there is none to read. */
export type EmbeddedConfig = { config: string } | { missing: string };

/** A kernel image read by range. */
export interface KernelImageBytes {
  read: SourceReader;
  size: number;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(Buffer.from(needle.buffer, needle.byteOffset, needle.byteLength));
}

/**
 * The configuration embedded in a decompressed kernel given as chunks, or null when it has none. Stops
 * reading at the end marker.
 * @throws FormatError when the block is there but cannot be read (no end marker, not gzip)
 */
export async function findEmbeddedConfig(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, opts: { source: string }): Promise<{ text: string } | null> {
  const damaged = (why: string, cause?: unknown) =>
    new FormatError(
      "kernel",
      opts.source,
      `the configuration embedded in the kernel in "${opts.source}" is damaged: ${why}`,
      cause === undefined ? {} : { cause },
    );
  // Searching: the last bytes of what came before, in case a marker straddles two chunks.
  let carry: Uint8Array = new Uint8Array(0);
  // Collecting: the block's bytes so far, and the tail in which an end marker may have begun.
  let parts: Uint8Array[] | undefined;
  let collected = 0;
  for await (const chunk of chunks) {
    if (!parts) {
      const window = concat(carry, chunk);
      const at = indexOf(window, START);
      if (at < 0) {
        carry = window.slice(Math.max(0, window.byteLength - (START.byteLength - 1)));
        continue;
      }
      parts = [];
      carry = new Uint8Array(0);
      const first = window.subarray(at + START_MARKER_BYTES);
      const end = indexOf(first, END);
      if (end >= 0) return { text: gunzipConfig(first.subarray(0, end), damaged) };
      parts.push(first.slice());
      collected = first.byteLength;
      carry = first.slice(Math.max(0, first.byteLength - (END.byteLength - 1)));
      continue;
    }
    const window = concat(carry, chunk);
    const end = indexOf(window, END);
    if (end >= 0) {
      const block = concat(Buffer.concat(parts), chunk).subarray(0, collected - carry.byteLength + end);
      return { text: gunzipConfig(block, damaged) };
    }
    parts.push(chunk.slice());
    collected += chunk.byteLength;
    if (collected > BLOCK_MAX) throw damaged(`no end marker within ${BLOCK_MAX} bytes of its start`);
    carry = window.slice(Math.max(0, window.byteLength - (END.byteLength - 1)));
  }
  if (parts) throw damaged("the kernel ends before the end marker");
  return null;
}

function gunzipConfig(block: Uint8Array, damaged: (why: string, cause?: unknown) => FormatError): string {
  try {
    return new TextDecoder().decode(gunzipSync(block));
  } catch (e) {
    throw damaged(`its gzip data cannot be read (${(e as Error).message})`, e);
  }
}

/** `size` bytes at `offset` of the image, a megabyte at a time. */
async function* region(image: KernelImageBytes, offset: number, size: number): AsyncGenerator<Uint8Array> {
  for (let done = 0; done < size; ) {
    const bytes = await image.read(offset + done, Math.min(CHUNK, size - done));
    if (bytes.byteLength === 0) throw new RangeError(`Cannot read the kernel: it ends ${size - done} bytes early`);
    done += bytes.byteLength;
    yield bytes;
  }
}

/** Where the kernel is in its image, and how it is packed there. */
type KernelBody = { offset: number; size: number; compression: KernelCompression | "none"; expectedSize?: number } | { missing: string };

async function kernelBody(image: KernelImageBytes, machine: string, source: string): Promise<KernelBody> {
  const head = await image.read(0, Math.min(KERNEL_CLASSIFY_BYTES, image.size));
  const k = classifyKernel(head, image.size, machine, `"${source}"`);
  switch (k.kind) {
    case "refused":
      return { missing: `is in no format ukiboot reads a configuration from (${k.problem})` };
    case "unchecked":
      return { missing: `is for ${k.machine}, where ukiboot loads no kernels` };
    case "image":
      return { offset: 0, size: image.size, compression: "none" };
    case "gzip":
      return { offset: 0, size: image.size, compression: "gzip" };
    case "zboot":
      return { offset: k.payloadOffset, size: k.payloadSize, compression: k.compression };
  }
  const check = k.check;
  if (!check.payload) {
    const v = check.protocol ?? 0;
    return {
      missing: `is a bzImage of boot protocol ${v >> 8}.${String(v & 0xff).padStart(2, "0")}, whose header does not say where its compressed kernel is (2.08 and later do)`,
    };
  }
  const { offset, size } = check.payload;
  const compression = kernelCompressionOf(await image.read(offset, Math.min(8, size)));
  if (!compression) return { missing: "has a compressed kernel in no format ukiboot knows" };
  if (size < 4) return { missing: "has a compressed kernel of fewer than 4 bytes" };
  // Every stream but gzip carries the kernel's size in 4 appended bytes (size_append); gzip has its own (ISIZE).
  const tail = await image.read(offset + size - 4, 4);
  const stated = new DataView(tail.buffer, tail.byteOffset, tail.byteLength).getUint32(0, true);
  return { offset, size: compression === "gzip" ? size : size - 4, compression, expectedSize: stated };
}

/**
 * The configuration the kernel image carries, read by range; `machine` (uname -m) says how kexec takes it.
 * Never throws for what the image holds: anything that keeps the configuration from being read is a clause
 * naming the file. Errors reading the file itself propagate.
 * @example await readEmbeddedConfig({ read, size }, { source: "/efi/vmlinuz", machine: "x86_64" }) // { config: "CONFIG_…" }
 */
export async function readEmbeddedConfig(image: KernelImageBytes, opts: { source: string; machine: string }): Promise<EmbeddedConfig> {
  const subject = `the kernel in "${opts.source}"`;
  const body = await kernelBody(image, opts.machine, opts.source);
  if ("missing" in body) return { missing: `${subject} ${body.missing}` };
  const { compression } = body;
  if (compression !== "none" && !isInflatable(compression)) {
    return { missing: `${subject} is ${compression}-compressed, and ukiboot undoes only gzip and zstd to read a kernel's configuration` };
  }
  const raw = region(image, body.offset, body.size);
  const chunks =
    compression === "none"
      ? raw
      : inflateKernel(raw, compression, { source: opts.source, ...(body.expectedSize !== undefined ? { expectedSize: body.expectedSize } : {}) });
  try {
    const found = await findEmbeddedConfig(chunks, { source: opts.source });
    return found ? { config: found.text } : { missing: `${subject} carries no configuration of its own (it is built without CONFIG_IKCONFIG=y)` };
  } catch (e) {
    if (e instanceof KernelInflateError)
      return { missing: `${subject} cannot be decompressed to read its configuration: its ${e.compression} stream ${e.problem}` };
    if (e instanceof FormatError && e.format === "kernel") return { missing: e.message };
    throw e;
  }
}
