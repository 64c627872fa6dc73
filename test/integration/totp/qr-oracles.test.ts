/**
 * The TOTP building blocks against independent implementations: zbarimg (ZBar's QR decoder) reads the
 * symbols encodeQr() makes, drawn into PBM images, and oathtool (OATH Toolkit) computes the same codes as
 * totp() and hotp() from the base32 secret.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasProgram, run } from "../../../build/lib/run-command.ts";
import { base32Decode, base32Encode } from "../../../src/totp/base32.ts";
import { hotp, totp } from "../../../src/totp/one-time-code.ts";
import { otpauthUri } from "../../../src/totp/otpauth-uri.ts";
import { encodeQr, qrByteCapacity, type QrCode } from "../../../src/totp/qr-code.ts";

const haveZbar = hasProgram("zbarimg");
const haveOathtool = hasProgram("oathtool");
if (!haveZbar) console.warn("the QR decoding tests will not run (npm test counts them as failed): install the Debian package zbar-tools");
if (!haveOathtool) console.warn("the TOTP reference tests will not run (npm test counts them as failed): install the Debian package oathtool");

const dir = mkdtempSync(join(tmpdir(), "ukiboot-totp-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A binary PBM (P4) of `qr`, `scale` pixels a module, with a light quiet zone of `quiet` modules. */
function pbm(qr: QrCode, scale = 4, quiet = 4): Uint8Array {
  const side = (qr.size + 2 * quiet) * scale;
  const rowBytes = Math.ceil(side / 8);
  const header = new TextEncoder().encode(`P4\n${side} ${side}\n`);
  const out = new Uint8Array(header.length + rowBytes * side);
  out.set(header);
  for (let y = 0; y < side; y++) {
    const r = Math.floor(y / scale) - quiet;
    for (let x = 0; x < side; x++) {
      const c = Math.floor(x / scale) - quiet;
      // In PBM a set bit is black.
      if (r >= 0 && r < qr.size && c >= 0 && c < qr.size && qr.modules[r]![c]) out[header.length + y * rowBytes + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  return out;
}

let imageCount = 0;

/** What zbarimg decodes from `qr`'s image, as bytes (--raw: no charset guessing), one symbol expected. */
async function zbarRead(qr: QrCode): Promise<{ exitCode: number; bytes: Uint8Array }> {
  const file = join(dir, `qr-${imageCount++}.pbm`);
  writeFileSync(file, pbm(qr));
  const proc = Bun.spawn(["zbarimg", "--quiet", "--raw", "--nodbus", "-Sdisable", "-Sqrcode.enable", file], { stdout: "pipe", stderr: "pipe" });
  const bytes = new Uint8Array(await new Response(proc.stdout as ReadableStream).arrayBuffer());
  const exitCode = await proc.exited;
  // zbarimg ends each symbol's data with a newline.
  return { exitCode, bytes: exitCode === 0 ? bytes.subarray(0, bytes.length - 1) : bytes };
}

function sampleText(length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) s += String.fromCharCode(33 + ((i * 11 + length * 5) % 94));
  return s;
}

const SEED = new TextEncoder().encode("12345678901234567890");
const ENROLMENT_URI = otpauthUri({ secret: Uint8Array.from({ length: 20 }, (_, i) => (i * 73 + 5) & 0xff), account: "pc-01.example.org" });

describe.skipIf(!haveZbar)("zbarimg decodes the QR codes", () => {
  const cases: [string, string][] = [
    ...Array.from({ length: 10 }, (_, i): [string, string] => [`the longest text of version ${i + 1}`, sampleText(qrByteCapacity(i + 1))]),
    ["HELLO WORLD", "HELLO WORLD"],
    ["UTF-8 text", "Grüße aus dem Bootmenü ✓"],
    ["an enrolment URI", ENROLMENT_URI],
  ];
  const texts = cases.map(([, text]) => text);

  for (const [name, text] of cases) {
    test(name, async () => {
      const { exitCode, bytes } = await zbarRead(encodeQr(text));
      expect(exitCode).toBe(0);
      expect(new TextDecoder().decode(bytes)).toBe(text);
    });
  }

  test("versions 1–10 are all covered", () => {
    expect(new Set(texts.map((t) => encodeQr(t).version))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
  });

  test("each of the 8 masks, forced, decodes (a version 7 symbol, with version information)", async () => {
    const text = sampleText(qrByteCapacity(7));
    for (let mask = 0; mask < 8; mask++) {
      const qr = encodeQr(text, { mask });
      expect(qr.version).toBe(7);
      const { exitCode, bytes } = await zbarRead(qr);
      expect({ mask, exitCode, text: new TextDecoder().decode(bytes) }).toEqual({ mask, exitCode: 0, text });
    }
  });

  test("a symbol with a third of its modules wiped is not read (zbarimg fails where it should)", async () => {
    const qr = encodeQr(sampleText(60));
    const wiped = { ...qr, modules: qr.modules.map((row, r) => row.map((dark, c) => (r > 8 && c > 8 && r < qr.size - 8 ? false : dark))) };
    expect((await zbarRead(wiped)).exitCode).not.toBe(0);
  });

  test.skipIf(!haveOathtool)("the enrolment URI read from the image gives oathtool the secret for our code", async () => {
    const { bytes } = await zbarRead(encodeQr(ENROLMENT_URI));
    const uri = new URL(new TextDecoder().decode(bytes));
    const secret = uri.searchParams.get("secret")!;
    const now = 1_700_000_000;
    const { stdout } = await run(["oathtool", "--totp", "-b", secret, "--now", `@${now}`]);
    expect(stdout.trim()).toBe(totp(base32Decode(secret), now).code);
  });
});

describe.skipIf(!haveOathtool)("oathtool computes the same codes", () => {
  const secrets = [SEED, Uint8Array.from({ length: 10 }, (_, i) => 0xf0 ^ i), Uint8Array.from({ length: 32 }, (_, i) => (i * 151) & 0xff)];
  const cases: { time: number; period: number; digits: number }[] = [
    { time: 59, period: 30, digits: 8 },
    { time: 1_111_111_109, period: 30, digits: 6 },
    { time: 1_234_567_890, period: 30, digits: 6 },
    { time: 2_000_000_000, period: 60, digits: 8 },
    { time: 20_000_000_000, period: 30, digits: 6 },
  ];

  for (const [index, secret] of secrets.entries()) {
    test(`TOTP, secret ${index} (${secret.length} bytes, as base32 ${base32Encode(secret).slice(0, 8)}…)`, async () => {
      for (const { time, period, digits } of cases) {
        const args = ["oathtool", "--totp", "-b", base32Encode(secret), "--now", `@${time}`, "-s", `${period}s`, "-d", `${digits}`];
        const { stdout } = await run(args);
        expect({ time, period, digits, code: stdout.trim() }).toEqual({ time, period, digits, code: totp(secret, time, { period, digits }).code });
      }
    });
  }

  test("a date as oathtool's --now parses it", async () => {
    const { stdout } = await run(["oathtool", "--totp", "-b", base32Encode(SEED), "--now", "2009-02-13 23:31:30 UTC", "-d", "8"]);
    expect(stdout.trim()).toBe(totp(SEED, Date.UTC(2009, 1, 13, 23, 31, 30) / 1000, { digits: 8 }).code);
    expect(stdout.trim()).toBe("89005924");
  });

  test("HOTP with counters past 32 bits, the secret in hex", async () => {
    const hex = Buffer.from(secrets[2]!).toString("hex");
    for (const counter of [0, 1, 2 ** 32 + 5, 2 ** 52]) {
      const { stdout } = await run(["oathtool", "--hotp", "-c", `${counter}`, hex]);
      expect({ counter, code: stdout.trim() }).toEqual({ counter, code: hotp(secrets[2]!, counter) });
    }
  });
});
