/**
 * Bounds-checked little-endian reads over one Uint8Array, returning views, never copies.
 * Every parser of a byte format reads through this, so an offset from a file can never read past the end.
 */
import { BoundsError } from "../errors.ts";

export class ByteReader {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    // The view must start at byteOffset: Bun and Node buffers are often slices of a pooled ArrayBuffer.
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get size(): number {
    return this.bytes.byteLength;
  }

  check(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new BoundsError(offset, length, this.size);
    }
  }

  u8(offset: number): number {
    this.check(offset, 1);
    return this.view.getUint8(offset);
  }
  u16(offset: number): number {
    this.check(offset, 2);
    return this.view.getUint16(offset, true);
  }
  u32(offset: number): number {
    this.check(offset, 4);
    return this.view.getUint32(offset, true);
  }
  u64(offset: number): bigint {
    this.check(offset, 8);
    return this.view.getBigUint64(offset, true);
  }
  u16be(offset: number): number {
    this.check(offset, 2);
    return this.view.getUint16(offset, false);
  }
  u32be(offset: number): number {
    this.check(offset, 4);
    return this.view.getUint32(offset, false);
  }
  u64be(offset: number): bigint {
    this.check(offset, 8);
    return this.view.getBigUint64(offset, false);
  }
  /** A view of `length` bytes at `offset`. */
  slice(offset: number, length: number): Uint8Array {
    this.check(offset, length);
    return this.bytes.subarray(offset, offset + length);
  }
}

/** `a + b`, refusing results that are not safe integers (sizes read from files can be absurd). */
export function checkedAdd(a: number, b: number): number {
  const r = a + b;
  if (!Number.isSafeInteger(r)) throw new RangeError(`Cannot add ${a} and ${b}: the sum is not a safe integer`);
  return r;
}

export function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
