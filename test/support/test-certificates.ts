/**
 * Keys and X.509 certificates for the trust tests, made in-process: RSA 2048 and ECDSA P-256 keys from
 * node:crypto, certificates written with test/support/der.ts and signed with SHA-256. They have the shapes
 * openssl's `req -x509` and `x509 -req` give (self-signed v3 CAs, a v1 leaf, v3 intermediates with
 * basicConstraints and keyUsage), so the chain rules meet the same cases as with openssl's files.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { bitString, bool, explicit, integer, nullValue, octetString, oid, sequence, setOf, time, utf8String } from "./der.ts";

export interface TestCertificate {
  /** The private key, PKCS #8 PEM. */
  keyPem: string;
  /** The certificate, PEM. */
  certPem: string;
  /** The certificate, DER. */
  der: Uint8Array;
  /** The encoded subject Name, which a signer's issuer names. */
  subject: Uint8Array;
  serial: number;
  key: KeyObject;
  algorithm: "rsa" | "ec";
}

export interface CertificateSpec {
  cn: string;
  algorithm?: "rsa" | "ec";
  /** The issuer; self-signed when absent. */
  issuer?: TestCertificate;
  serial: number;
  /** v1 has no extensions; v3 (the default) has the ones below. */
  version?: 1 | 3;
  /** basicConstraints, critical: cA true or false; absent when undefined. */
  ca?: boolean;
  /** keyUsage, critical: the bits as RFC 5280 numbers them (0 digitalSignature, 5 keyCertSign). */
  keyUsage?: number[];
}

const OID_RSA_SHA256 = "1.2.840.113549.1.1.11";
const OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2";

export function signatureAlgorithm(algorithm: "rsa" | "ec"): Uint8Array {
  return algorithm === "rsa" ? sequence(oid(OID_RSA_SHA256), nullValue()) : sequence(oid(OID_ECDSA_SHA256));
}

const name = (cn: string) => sequence(setOf(sequence(oid("2.5.4.3"), utf8String(cn))));

function pem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${label}-----\n${b64.replace(/\n$/, "")}\n-----END ${label}-----\n`;
}

function keyUsageBits(bits: number[]): Uint8Array {
  const b = new Uint8Array(1);
  for (const n of bits) b[0]! |= 0x80 >> n;
  return b;
}

/** Issues a certificate valid from a day ago for ten years. */
export function issueCertificate(spec: CertificateSpec): TestCertificate {
  const algorithm = spec.algorithm ?? "rsa";
  const pair = algorithm === "rsa" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const signer = spec.issuer ?? { key: pair.privateKey, algorithm, subject: name(spec.cn) };
  const now = Date.now();
  const extensions: Uint8Array[] = [];
  if (spec.ca !== undefined) extensions.push(sequence(oid("2.5.29.19"), bool(true), octetString(sequence(...(spec.ca ? [bool(true)] : [])))));
  if (spec.keyUsage) extensions.push(sequence(oid("2.5.29.15"), bool(true), octetString(bitString(keyUsageBits(spec.keyUsage)))));
  const v3 = (spec.version ?? 3) === 3;
  const tbs = sequence(
    ...(v3 ? [explicit(0, integer(2))] : []),
    integer(spec.serial),
    signatureAlgorithm(signer.algorithm),
    signer.subject,
    sequence(time(new Date(now - 86_400_000)), time(new Date(now + 10 * 365 * 86_400_000))),
    name(spec.cn),
    new Uint8Array(pair.publicKey.export({ type: "spki", format: "der" })),
    ...(v3 && extensions.length > 0 ? [explicit(3, sequence(...extensions))] : []),
  );
  const der = sequence(tbs, signatureAlgorithm(signer.algorithm), bitString(new Uint8Array(sign("sha256", tbs, signer.key))));
  const keyPem = pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return { keyPem, certPem: pem("CERTIFICATE", der), der, subject: name(spec.cn), serial: spec.serial, key: createPrivateKey(keyPem), algorithm };
}
