/**
 * The otpauth:// URI an authenticator app enrols a TOTP secret from, shown as a QR code, in the Google
 * Authenticator key-uri format (github.com/google/google-authenticator/wiki/Key-Uri-Format):
 * `otpauth://totp/<issuer>:<account>?secret=<base32>&issuer=<issuer>&algorithm=SHA1&digits=6&period=30`.
 * The issuer is written both as the label's prefix and as a parameter, as that page recommends, so old apps
 * (which read only the label) and new ones (which prefer the parameter) show the same name. Label and values
 * are percent-encoded per RFC 3986 §2.1.
 */
import { base32Encode } from "./base32.ts";

/** Parts of a URI the format cannot carry. */
export class OtpauthUriError extends RangeError {
  override name = "OtpauthUriError";
}

export interface OtpauthUriOptions {
  secret: Uint8Array;
  /** The account the code is for, as the app lists it (a host name, a person). */
  account: string;
  /** The service name the app shows above the code; "ukiboot" by default. */
  issuer?: string;
  digits?: number;
  period?: number;
}

/**
 * Everything but RFC 3986's unreserved characters is escaped, `!'()*` too (encodeURIComponent leaves them),
 * since apps split and decode the URI with parsers of differing strictness. `@` may stay in the label (a path
 * segment allows it), which keeps "user@host" accounts readable, as in the key-uri format's own example.
 */
function percentEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function encodeLabelPart(text: string): string {
  return percentEncode(text).replace(/%40/g, "@");
}

/** The otpauth://totp URI for `secret`, SHA-1, 6 digits and 30 seconds unless told otherwise. */
export function otpauthUri({ secret, account, issuer = "ukiboot", digits = 6, period = 30 }: OtpauthUriOptions): string {
  // The key-uri format separates issuer and account with a colon, literal or %3A, so neither may hold one.
  for (const [what, value] of [
    ["issuer", issuer],
    ["account name", account],
  ] as const) {
    if (value === "") throw new OtpauthUriError(`Cannot write an otpauth URI with an empty ${what}: the label needs one`);
    if (value.includes(":")) throw new OtpauthUriError(`Cannot write an otpauth URI for the ${what} ${JSON.stringify(value)}: it holds a colon`);
  }
  if (secret.length === 0) throw new OtpauthUriError("Cannot write an otpauth URI for an empty secret: it has no bytes");
  const label = `${encodeLabelPart(issuer)}:${encodeLabelPart(account)}`;
  const query = `secret=${base32Encode(secret)}&issuer=${percentEncode(issuer)}&algorithm=SHA1&digits=${digits}&period=${period}`;
  return `otpauth://totp/${label}?${query}`;
}
