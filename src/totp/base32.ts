/**
 * RFC 4648 §6 base32, the form TOTP secrets travel in: otpauth URIs (Google Authenticator's key-uri format)
 * and `oathtool -b` take the secret this way. Encoding leaves out the `=` padding (§3.2 allows that when the
 * length is known otherwise; otpauth URIs omit it); decoding is lenient where people type secrets by hand:
 * lowercase, spaces and `=` are accepted.
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Text that is not base32, naming the first bad character (or the missing one) and its position in the input. */
export class Base32Error extends SyntaxError {
  override name = "Base32Error";
  constructor(
    message: string,
    /** The offending character; undefined when the text ends too early. */
    readonly character: string | undefined,
    /** Its 0-based index in the text as given (before spaces and `=` were dropped). */
    readonly position: number,
  ) {
    super(message);
  }
}

/** Base32 of `bytes`, uppercase, without `=` padding. */
export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
  }
  // §6: the last quantum is filled with zero bits up to a whole character.
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * The bytes of base32 `text`. Leftover bits of the last character are dropped without a check, as oathtool and
 * the authenticator apps do; a length no encoder produces (1, 3 or 6 characters in the last group of 8) is an
 * error, since it means a character was lost.
 */
export function base32Decode(text: string): Uint8Array {
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === " " || c === "=") continue;
    const value = ALPHABET.indexOf(c.toUpperCase());
    if (value < 0) {
      throw new Base32Error(`Cannot decode the base32 text: ${JSON.stringify(c)} at position ${i} is not one of A–Z and 2–7`, c, i);
    }
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    count++;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >>> bits) & 0xff);
    }
  }
  if ([1, 3, 6].includes(count % 8)) {
    throw new Base32Error(
      `Cannot decode the base32 text: its ${count} characters end in a group of ${count % 8}, which no whole number of bytes encodes to`,
      undefined,
      text.length,
    );
  }
  return new Uint8Array(out);
}
