/**
 * The firmware's boot list: `BootOrder` (UEFI 2.10 §3.3), a list of UINT16 option numbers, and the
 * `Boot####` names they stand for. An installer moves or removes only its own number, never the others.
 */
import { FormatError } from "../errors.ts";

/** `Boot####` with four upper-case hex digits, as the firmware and efibootmgr name them. */
export function bootVariableName(n: number): string {
  return `Boot${n.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** The option number of a `Boot####` name, or undefined for any other name (BootOrder, BootNext, Boot00G1). */
export function bootNumberOf(name: string): number | undefined {
  const m = /^Boot([0-9A-F]{4})$/.exec(name);
  return m ? Number.parseInt(m[1]!, 16) : undefined;
}

/** @throws FormatError when the value is not whole UINT16s */
export function decodeBootOrder(data: Uint8Array): number[] {
  if (data.length % 2 !== 0) throw new FormatError("efivar", "BootOrder", `Cannot read BootOrder: it is ${data.length} bytes, not a list of 2-byte numbers`);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return Array.from({ length: data.length / 2 }, (_, i) => v.getUint16(2 * i, true));
}

export function encodeBootOrder(order: readonly number[]): Uint8Array {
  const out = new Uint8Array(order.length * 2);
  const v = new DataView(out.buffer);
  order.forEach((n, i) => v.setUint16(2 * i, n, true));
  return out;
}

/** `n` first, then the others in their order. */
export function withFirst(order: readonly number[], n: number): number[] {
  return [n, ...order.filter((x) => x !== n)];
}

/** The order without `n`; the others keep their places. */
export function without(order: readonly number[], n: number): number[] {
  return order.filter((x) => x !== n);
}

/** The lowest option number no `Boot####` variable uses, as efibootmgr picks one. */
export function freeBootNumber(used: Iterable<number>): number {
  const taken = new Set(used);
  for (let n = 0; n <= 0xffff; n++) if (!taken.has(n)) return n;
  throw new FormatError(
    "efivar",
    "Boot####",
    "Cannot add a boot option: all 65536 Boot#### numbers are in use; remove unused entries with efibootmgr -b XXXX -B",
  );
}
