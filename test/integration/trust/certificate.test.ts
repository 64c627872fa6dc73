import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError } from "../../../src/errors.ts";
import { describeCertificate, parseCertificateDer, parseCertificateFile } from "../../../src/trust/certificate.ts";
import { digest, toHex } from "../../../src/bytes/digest.ts";
import { run } from "../../../build/lib/run-command.ts";
import { missingFixtureTools, readBytes, trustFixtures } from "../support/real-trust-fixtures.ts";

const missing = missingFixtureTools();

describe.skipIf(missing.length > 0)("certificate files", () => {
  test("parseCertificateFile() reads PEM with several certificates and DER, and agrees with openssl", async () => {
    const f = await trustFixtures();
    const pem = new Uint8Array([...readBytes(f.keys.db.crt), ...readBytes(f.keys.ca.crt)]);
    const certs = parseCertificateFile(pem, { source: "two.pem" });
    expect(certs.map((c) => describeCertificate(c).subject)).toEqual(["/CN=ukiboot test db", "/CN=ukiboot test CA"]);
    const derPath = join(mkdtempSync(join(tmpdir(), "ukiboot-cert-")), "leaf.der");
    await run(["openssl", "x509", "-in", f.keys.leaf.crt, "-outform", "DER", "-out", derPath]);
    const fromDer = parseCertificateFile(readBytes(derPath), { source: "leaf.der" });
    const info = describeCertificate(fromDer[0]!);
    expect(info).toMatchObject({ subject: "/CN=ukiboot test signer", issuer: "/CN=ukiboot test CA", serial: "02" });
    const fingerprint = (await run(["openssl", "x509", "-in", f.keys.leaf.crt, "-noout", "-fingerprint", "-sha256"])).stdout;
    expect(info.sha256).toBe(fingerprint.trim().split("=")[1]!.replace(/:/g, "").toLowerCase());
  });
});

test("parseCertificateDer() refuses bytes that are not a certificate", () => {
  expect(() => parseCertificateDer(new Uint8Array([0x30, 0x03, 2, 1, 1]), { source: "x" })).toThrow(FormatError);
  expect(() => parseCertificateDer(new Uint8Array([0xff]), { source: "x" })).toThrow(FormatError);
});

test("parseCertificateFile() refuses a PEM file without a CERTIFICATE block", () => {
  const key = new TextEncoder().encode("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  expect(() => parseCertificateFile(key, { source: "key.pem" })).toThrow(
    'Cannot read certificates from "key.pem": it is neither DER nor PEM with a CERTIFICATE block',
  );
  expect(toHex(digest("sha1", new Uint8Array(0)))).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709");
});
