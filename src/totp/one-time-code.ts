/**
 * One-time codes a phone's authenticator app shows too, so a person can check that this machine holds the
 * secret it was enrolled with (Heads' "TPM TOTP"): RFC 4226 HOTP (§5.3: HMAC-SHA-1 over the 8-byte counter,
 * dynamic truncation to 31 bits, the low decimal digits) and RFC 6238 TOTP (§4: HOTP of the count of whole
 * periods since the Unix epoch, T0 = 0). Only SHA-1: it is what the apps default to and the otpauth URI names.
 * node:crypto's HMAC performs no I/O.
 */
import { createHmac } from "node:crypto";

/** Arguments no code can be computed for. */
export class OneTimeCodeError extends RangeError {
  override name = "OneTimeCodeError";
}

/** RFC 4226 §4 R4 asks for at least 6 digits; a 31-bit value has at most 10. */
const MIN_DIGITS = 6;
const MAX_DIGITS = 10;

/** The RFC 4226 HOTP value of `secret` at `counter`, `digits` decimal digits with leading zeros. */
export function hotp(secret: Uint8Array, counter: bigint | number, digits = 6): string {
  if (!Number.isInteger(digits) || digits < MIN_DIGITS || digits > MAX_DIGITS) {
    throw new OneTimeCodeError(`Cannot compute a one-time code of ${digits} digits: it has ${MIN_DIGITS} to ${MAX_DIGITS}`);
  }
  if (typeof counter === "number" && !Number.isSafeInteger(counter)) {
    throw new OneTimeCodeError(`Cannot compute a one-time code for the counter ${counter}: it is not a whole number`);
  }
  const c = BigInt(counter);
  if (c < 0n || c > 0xffff_ffff_ffff_ffffn) {
    throw new OneTimeCodeError(`Cannot compute a one-time code for the counter ${c}: it does not fit in 8 unsigned bytes`);
  }
  const message = new Uint8Array(8);
  new DataView(message.buffer).setBigUint64(0, c, false);
  const mac = new Uint8Array(createHmac("sha1", secret).update(message).digest());
  // §5.4 dynamic truncation: the low nibble of the last byte picks 4 bytes; the top bit is dropped so the
  // value means the same whether a platform reads it signed or unsigned.
  const offset = mac[19]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

export interface TotpOptions {
  /** X, the time step in seconds (RFC 6238 §4.1); 30 by default. */
  period?: number;
  digits?: number;
}

export interface TotpCode {
  code: string;
  /** Seconds until the next code, 1…period, for a countdown beside it. */
  secondsLeft: number;
  /** T, the HOTP counter the code is for. */
  step: number;
}

/** The RFC 6238 TOTP code of `secret` at `unixSeconds` (fractions allowed, as Date.now() / 1000 gives). */
export function totp(secret: Uint8Array, unixSeconds: number, { period = 30, digits = 6 }: TotpOptions = {}): TotpCode {
  if (!Number.isSafeInteger(period) || period < 1) {
    throw new OneTimeCodeError(`Cannot compute a time-based code with a period of ${period} seconds: it is a whole number from 1`);
  }
  if (!Number.isFinite(unixSeconds) || unixSeconds < 0) {
    throw new OneTimeCodeError(`Cannot compute a time-based code at ${unixSeconds} seconds: the time is before 1970 or not a number`);
  }
  const seconds = Math.floor(unixSeconds);
  const step = Math.floor(seconds / period);
  return { code: hotp(secret, step, digits), secondsLeft: period - (seconds % period), step };
}
