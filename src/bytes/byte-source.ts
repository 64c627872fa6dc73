/**
 * Where the bytes of an initrd piece come from, described rather than loaded: inline bytes, a range of a
 * file on the ESP (a PE section, a credential), zeros, or a concatenation of those. The merged initrd and
 * the generated cpio archives are described this way so that the effect layer can copy file ranges with
 * copy_file_range(2) into a memfd and nothing has to hold a whole initrd in memory.
 */
import { checkedAdd } from "./byte-reader.ts";

/** Bytes already in memory (generated cpio headers, small sections). */
export interface BytesSource {
  type: "bytes";
  bytes: Uint8Array;
}

/** `size` bytes of the file at `path`, starting at `offset`. */
export interface RangeSource {
  type: "range";
  path: string;
  offset: number;
  size: number;
}

/** `size` NUL bytes: padding, and the zero-filled tail of a PE section whose VirtualSize exceeds its raw data. */
export interface ZerosSource {
  type: "zeros";
  size: number;
}

/** The parts, one after the other. */
export interface ConcatSource {
  type: "concat";
  parts: ByteSource[];
}

export type ByteSource = BytesSource | RangeSource | ZerosSource | ConcatSource;
/** The three kinds the effect layer has to handle: write bytes, copy a file range, write zeros. */
export type ByteLeaf = BytesSource | RangeSource | ZerosSource;

/** Synchronous range reader, used to materialise sources in tests and for small archives. */
export type ReadRangeSync = (path: string, offset: number, size: number) => Uint8Array;
/** Asynchronous range reader with the signature of ReadOnlyFs.readRange (fewer bytes at end of file). */
export type ReadRange = (path: string, offset: number, length: number) => Promise<Uint8Array>;
/** Reads `length` bytes at `offset` of one source (fewer only at its end). */
export type SourceReader = (offset: number, length: number) => Promise<Uint8Array>;

export function bytesSource(bytes: Uint8Array): BytesSource {
  return { type: "bytes", bytes };
}

export function zerosSource(size: number): ZerosSource {
  return { type: "zeros", size };
}

export function concatSources(parts: ByteSource[]): ConcatSource {
  return { type: "concat", parts };
}

/** Total length in bytes. @throws RangeError when a size is not a non-negative safe integer */
export function sourceSize(source: ByteSource): number {
  switch (source.type) {
    case "bytes":
      return source.bytes.byteLength;
    case "range":
    case "zeros":
      checkSize(source.size, source.type);
      if (source.type === "range") checkSize(source.offset, "range offset");
      return source.size;
    case "concat":
      return source.parts.reduce((n, p) => checkedAdd(n, sourceSize(p)), 0);
  }
}

/** The leaves in order, with empty ones dropped. */
export function* sourceLeaves(source: ByteSource): Generator<ByteLeaf> {
  if (source.type === "concat") {
    for (const p of source.parts) yield* sourceLeaves(p);
  } else if (sourceSize(source) > 0) {
    yield source;
  }
}

/** All bytes of a source in one buffer; ranges are read with `readRange`. For tests and small archives. */
export function materializeSource(source: ByteSource, readRange?: ReadRangeSync): Uint8Array {
  const out = new Uint8Array(sourceSize(source));
  let at = 0;
  for (const leaf of sourceLeaves(source)) {
    at = copyLeaf(leaf, out, at, readRange);
  }
  return out;
}

/** Copies one leaf into `out` at `at` and returns the offset after it. */
export function copyLeaf(leaf: ByteLeaf, out: Uint8Array, at: number, readRange?: ReadRangeSync): number {
  switch (leaf.type) {
    case "bytes":
      out.set(leaf.bytes, at);
      return at + leaf.bytes.byteLength;
    case "zeros":
      // `out` is freshly allocated and therefore already zero, but a caller may reuse a buffer.
      out.fill(0, at, at + leaf.size);
      return at + leaf.size;
    case "range": {
      if (!readRange) throw new Error(`Internal error: no range reader given for "${leaf.path}"`);
      const data = readRange(leaf.path, leaf.offset, leaf.size);
      if (data.byteLength !== leaf.size) {
        throw new RangeError(`Cannot read ${leaf.size} bytes at ${leaf.offset} of "${leaf.path}": got ${data.byteLength}`);
      }
      out.set(data, at);
      return at + leaf.size;
    }
  }
}

/**
 * A reader over one source: maps (offset, length) within the source onto its leaves, reading file ranges
 * with `readRange`. A file that is shorter than its range says is an error, not a short read.
 */
export function createSourceReader(source: ByteSource, readRange?: ReadRange): SourceReader {
  const leaves: { leaf: ByteLeaf; start: number; end: number }[] = [];
  let pos = 0;
  for (const leaf of sourceLeaves(source)) {
    const end = pos + sourceSize(leaf);
    leaves.push({ leaf, start: pos, end });
    pos = end;
  }
  const total = pos;
  return async (offset, length) => {
    const from = Math.max(0, Math.min(offset, total));
    const to = Math.max(from, Math.min(offset + length, total));
    const out = new Uint8Array(to - from);
    for (const { leaf, start, end } of leaves) {
      if (end <= from || start >= to) continue;
      const a = Math.max(from, start);
      const b = Math.min(to, end);
      const inLeaf = a - start;
      const dst = a - from;
      if (leaf.type === "bytes") out.set(leaf.bytes.subarray(inLeaf, inLeaf + (b - a)), dst);
      else if (leaf.type === "range") {
        if (!readRange) throw new Error(`Internal error: no range reader given for "${leaf.path}"`);
        const data = await readRange(leaf.path, leaf.offset + inLeaf, b - a);
        if (data.byteLength < b - a) {
          throw new RangeError(`Cannot read ${b - a} bytes at ${leaf.offset + inLeaf} of "${leaf.path}": the file ends after ${data.byteLength}`);
        }
        out.set(data.subarray(0, b - a), dst);
      }
      // zeros: already zero
    }
    return out;
  };
}

/** A short human description: `"/efi/EFI/Linux/x.efi" bytes 0x400+0x2000`, `12 bytes in memory`. */
export function describeSource(source: ByteSource): string {
  switch (source.type) {
    case "bytes":
      return `${source.bytes.byteLength} bytes in memory`;
    case "zeros":
      return `${source.size} zero bytes`;
    case "range":
      return `"${source.path}" bytes 0x${source.offset.toString(16)}+0x${source.size.toString(16)}`;
    case "concat": {
      const ranges = [...sourceLeaves(source)].filter((l): l is RangeSource => l.type === "range");
      const files = [...new Set(ranges.map((r) => `"${r.path}"`))];
      return files.length > 0 ? `${sourceSize(source)} bytes built from ${files.join(", ")}` : `${sourceSize(source)} bytes in memory`;
    }
  }
}

function checkSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`Cannot describe ${what} of size ${n}: not a non-negative integer`);
}
