import { expect, test } from "bun:test";
import { base32Decode } from "../../../src/totp/base32.ts";
import { OtpauthUriError, otpauthUri } from "../../../src/totp/otpauth-uri.ts";

const SEED = new TextEncoder().encode("12345678901234567890");

test("the key-uri format's own example, byte for byte", () => {
  // github.com/google/google-authenticator/wiki/Key-Uri-Format, "Examples".
  const uri = otpauthUri({ secret: base32Decode("HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"), issuer: "ACME Co", account: "john.doe@email.com" });
  expect(uri).toBe("otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30");
});

test("ukiboot is the issuer unless told otherwise; digits and period are written as given", () => {
  expect(otpauthUri({ secret: SEED, account: "pc-01" })).toBe(
    "otpauth://totp/ukiboot:pc-01?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ukiboot&algorithm=SHA1&digits=6&period=30",
  );
  expect(otpauthUri({ secret: SEED, account: "pc-01", digits: 8, period: 60 })).toBe(
    "otpauth://totp/ukiboot:pc-01?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ukiboot&algorithm=SHA1&digits=8&period=60",
  );
});

test("everything outside RFC 3986's unreserved set is percent-encoded, UTF-8 and !'()* included", () => {
  const uri = otpauthUri({ secret: SEED, issuer: "Büro (it)!", account: "Zoë's box & co/#?+*=" });
  expect(uri).toBe(
    "otpauth://totp/B%C3%BCro%20%28it%29%21:Zo%C3%AB%27s%20box%20%26%20co%2F%23%3F%2B%2A%3D" +
      "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=B%C3%BCro%20%28it%29%21&algorithm=SHA1&digits=6&period=30",
  );
  // A URL parser reads the same parts back.
  const url = new URL(uri);
  expect(url.protocol).toBe("otpauth:");
  expect(url.host).toBe("totp");
  expect(decodeURIComponent(url.pathname)).toBe("/Büro (it)!:Zoë's box & co/#?+*=");
  expect(Object.fromEntries(url.searchParams)).toEqual({
    secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    issuer: "Büro (it)!",
    algorithm: "SHA1",
    digits: "6",
    period: "30",
  });
});

test("a colon in the issuer or account, an empty one, or an empty secret is refused", () => {
  expect(() => otpauthUri({ secret: SEED, account: "host:1" })).toThrow(
    new OtpauthUriError('Cannot write an otpauth URI for the account name "host:1": it holds a colon'),
  );
  expect(() => otpauthUri({ secret: SEED, account: "a", issuer: "x:y" })).toThrow(OtpauthUriError);
  expect(() => otpauthUri({ secret: SEED, account: "" })).toThrow("Cannot write an otpauth URI with an empty account name: the label needs one");
  expect(() => otpauthUri({ secret: SEED, account: "a", issuer: "" })).toThrow(OtpauthUriError);
  expect(() => otpauthUri({ secret: new Uint8Array(0), account: "a" })).toThrow(OtpauthUriError);
});
