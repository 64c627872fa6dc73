import { describe, expect, test } from "bun:test";
import { hotp, OneTimeCodeError, totp } from "../../../src/totp/one-time-code.ts";

/** The secret of both RFCs' SHA-1 vectors: the ASCII digits 1…9 0, twice. */
const SEED = new TextEncoder().encode("12345678901234567890");

describe("RFC 4226 Appendix D", () => {
  /** Table 2: the truncated 31-bit value ("Decimal") and the 6-digit HOTP, for counts 0…9. */
  const TABLE: [number, string][] = [
    [1284755224, "755224"],
    [1094287082, "287082"],
    [137359152, "359152"],
    [1726969429, "969429"],
    [1640338314, "338314"],
    [868254676, "254676"],
    [1918287922, "287922"],
    [82162583, "162583"],
    [673399871, "399871"],
    [645520489, "520489"],
  ];
  TABLE.forEach(([decimal, code], count) => {
    test(`count ${count}: ${code}`, () => {
      expect(hotp(SEED, count)).toBe(code);
      expect(hotp(SEED, BigInt(count))).toBe(code);
      // 10 digits leave the truncated value whole, so the dynamic truncation is checked apart from the modulo.
      expect(hotp(SEED, count, 10)).toBe(String(decimal).padStart(10, "0"));
    });
  });
});

describe("RFC 6238 Appendix B, the SHA-1 rows (8 digits)", () => {
  const ROWS: [number, bigint, string][] = [
    [59, 0x1n, "94287082"],
    [1111111109, 0x23523ecn, "07081804"],
    [1111111111, 0x23523edn, "14050471"],
    [1234567890, 0x273ef07n, "89005924"],
    [2000000000, 0x3f940aan, "69279037"],
    [20000000000, 0x27bc86aan, "65353130"],
  ];
  for (const [time, step, code] of ROWS) {
    test(`T = ${time} s: step ${step.toString(16)}, ${code}`, () => {
      const result = totp(SEED, time, { digits: 8 });
      expect(result.step).toBe(Number(step));
      expect(result.code).toBe(code);
      expect(hotp(SEED, step, 8)).toBe(code);
    });
  }
});

describe("totp()", () => {
  test("counts down the seconds to the next code, 30 at a period's start and 1 at its last second", () => {
    expect(totp(SEED, 60).secondsLeft).toBe(30);
    expect(totp(SEED, 59).secondsLeft).toBe(1);
    expect(totp(SEED, 59.999)).toEqual({ code: hotp(SEED, 1), secondsLeft: 1, step: 1 });
    expect(totp(SEED, 75.5)).toEqual({ code: hotp(SEED, 2), secondsLeft: 15, step: 2 });
    expect(totp(SEED, 119, { period: 60 })).toEqual({ code: hotp(SEED, 1), secondsLeft: 1, step: 1 });
  });

  test("is 6 digits by default, with leading zeros kept", () => {
    expect(totp(SEED, 1111111109).code).toBe("081804");
  });

  test("refuses a period, time or digit count no code exists for", () => {
    expect(() => totp(SEED, 0, { period: 0 })).toThrow(OneTimeCodeError);
    expect(() => totp(SEED, 0, { period: 2.5 })).toThrow(OneTimeCodeError);
    expect(() => totp(SEED, -1)).toThrow("Cannot compute a time-based code at -1 seconds: the time is before 1970 or not a number");
    expect(() => totp(SEED, Number.NaN)).toThrow(OneTimeCodeError);
    expect(() => totp(SEED, 0, { digits: 5 })).toThrow("Cannot compute a one-time code of 5 digits: it has 6 to 10");
  });
});

describe("hotp()", () => {
  test("takes the whole 8-byte counter, big-endian", () => {
    // Counters that differ only above bit 32 or only in the top byte give different codes.
    const high = [0n, 1n << 32n, 1n << 56n, 0xffff_ffff_ffff_ffffn].map((c) => hotp(SEED, c, 10));
    expect(new Set(high).size).toBe(4);
    expect(hotp(SEED, 2 ** 40)).toBe(hotp(SEED, 1n << 40n));
  });

  test("refuses counters outside 0…2⁶⁴−1 and fractions", () => {
    expect(() => hotp(SEED, -1)).toThrow("Cannot compute a one-time code for the counter -1: it does not fit in 8 unsigned bytes");
    expect(() => hotp(SEED, 1n << 64n)).toThrow(OneTimeCodeError);
    expect(() => hotp(SEED, 1.5)).toThrow("Cannot compute a one-time code for the counter 1.5: it is not a whole number");
    expect(() => hotp(SEED, 0, 11)).toThrow(OneTimeCodeError);
  });
});
