/**
 * A DER writer for the few ASN.1 structures the test fixtures sign: X.509 certificates and Authenticode's
 * PKCS #7 SignedData. Writing them here, rather than with openssl and sbsign, lets the unit suite run
 * with nothing but Bun; test/integration/ checks what they make against sbverify and openssl.
 */

import { concatBytes } from "../../src/bytes/concat-bytes.ts";

export type Der = Uint8Array;

function length(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

/** One TLV: `tag`, the DER length, then the contents. */
export function tlv(tag: number, ...contents: Der[]): Der {
  const body = concat(contents);
  return concat([new Uint8Array([tag, ...length(body.length)]), body]);
}

export const concat = concatBytes;

export const sequence = (...items: Der[]): Der => tlv(0x30, ...items);

/** A SET OF: DER sorts its elements by their encodings. */
export function setOf(...items: Der[]): Der {
  const sorted = [...items].sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return a.length - b.length;
  });
  return tlv(0x31, ...sorted);
}

/** `[n]` EXPLICIT (constructed), wrapping whole encodings. */
export const explicit = (n: number, ...items: Der[]): Der => tlv(0xa0 | n, ...items);

/** `[n]` IMPLICIT over a constructed type: the contents of `item` under a context tag. */
export function implicitConstructed(n: number, item: Der): Der {
  return tlv(0xa0 | n, contentsOf(item));
}

/** The contents octets of one TLV. */
export function contentsOf(item: Der): Der {
  const first = item[1]!;
  const skip = first < 0x80 ? 2 : 2 + (first & 0x7f);
  return item.subarray(skip);
}

export function oid(dotted: string): Der {
  const parts = dotted.split(".").map(Number);
  const out = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const bytes = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) bytes.unshift(0x80 | (v & 0x7f));
    out.push(...bytes);
  }
  return tlv(0x06, new Uint8Array(out));
}

/** A non-negative INTEGER from a number or big-endian bytes. */
export function integer(value: number | Uint8Array): Der {
  let bytes: number[];
  if (typeof value === "number") {
    bytes = [];
    for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    if (bytes.length === 0) bytes = [0];
  } else {
    bytes = [...value];
    while (bytes.length > 1 && bytes[0] === 0 && bytes[1]! < 0x80) bytes.shift();
  }
  if (bytes[0]! >= 0x80) bytes.unshift(0);
  return tlv(0x02, new Uint8Array(bytes));
}

export const nullValue = (): Der => new Uint8Array([0x05, 0x00]);
export const octetString = (bytes: Uint8Array): Der => tlv(0x04, bytes);
export const bitString = (bytes: Uint8Array): Der => tlv(0x03, new Uint8Array([0]), bytes);
export const utf8String = (text: string): Der => tlv(0x0c, new TextEncoder().encode(text));
export const bool = (value: boolean): Der => new Uint8Array([0x01, 0x01, value ? 0xff : 0x00]);

/** UTCTime for years 1950–2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
export function time(date: Date): Der {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const y = date.getUTCFullYear();
  const rest = `${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}Z`;
  return y < 2050 ? tlv(0x17, new TextEncoder().encode(`${p(y % 100)}${rest}`)) : tlv(0x18, new TextEncoder().encode(`${p(y, 4)}${rest}`));
}
