/**
 * EFI GUIDs in their mixed-endian layout (the first three fields little-endian, the rest as written), as
 * GPT entries and device paths store them.
 */
import { FormatError } from "../errors.ts";

/** Formats a 16-byte GUID as lowercase text. */
export function guidToString(b: Uint8Array): string {
  const h = (i: number) => b[i]!.toString(16).padStart(2, "0");
  return h(3) + h(2) + h(1) + h(0) + "-" + h(5) + h(4) + "-" + h(7) + h(6) + "-" + h(8) + h(9) + "-" + [10, 11, 12, 13, 14, 15].map(h).join("");
}

/**
 * The 16 bytes of a GUID written as text.
 * @throws FormatError when the text is not a GUID
 */
export function guidToBytes(text: string): Uint8Array {
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(text);
  if (!m) throw new FormatError("guid", text, `Cannot read "${text}" as a GUID: it is not 8-4-4-4-12 hexadecimal digits`);
  const hex = (s: string) => Array.from({ length: s.length / 2 }, (_, i) => Number.parseInt(s.slice(2 * i, 2 * i + 2), 16));
  return Uint8Array.from([...hex(m[1]!).reverse(), ...hex(m[2]!).reverse(), ...hex(m[3]!).reverse(), ...hex(m[4]!), ...hex(m[5]!)]);
}
