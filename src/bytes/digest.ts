/**
 * Hash algorithms shared by Authenticode (the image digest) and the TPM (one digest per PCR bank),
 * with a streaming hasher so a 100 MB UKI never has to sit in memory at once.
 * node:crypto is used because WebCrypto cannot hash incrementally; it performs no I/O.
 */
import { createHash, type Hash } from "node:crypto";

/** The digest algorithms UEFI, Authenticode and TPM 2.0 PC-client banks use, in systemd's bank order. */
export const DIGEST_ALGORITHMS = ["sha1", "sha256", "sha384", "sha512"] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

/** Output size in bytes of each algorithm. */
export const DIGEST_SIZE: Record<DigestAlgorithm, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

/** Digest values keyed by algorithm; only the algorithms asked for are present. */
export type Digests = Partial<Record<DigestAlgorithm, Uint8Array>>;

export function isDigestAlgorithm(name: string): name is DigestAlgorithm {
  return (DIGEST_ALGORITHMS as readonly string[]).includes(name);
}

/** One-shot digest of some bytes. */
export function digest(algorithm: DigestAlgorithm, ...parts: Uint8Array[]): Uint8Array {
  const h = createHash(algorithm);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/**
 * Feeds the same bytes to several hashes at once, so a file is read once however many banks or
 * signature algorithms need its digest.
 */
export class MultiHasher {
  private readonly hashes: [DigestAlgorithm, Hash][];
  private finished = false;
  constructor(algorithms: Iterable<DigestAlgorithm>) {
    this.hashes = [...new Set(algorithms)].map((a) => [a, createHash(a)]);
  }
  update(chunk: Uint8Array): this {
    if (this.finished) throw new Error("Internal error: MultiHasher.update() after digest()");
    for (const [, h] of this.hashes) h.update(chunk);
    return this;
  }
  digest(): Digests {
    if (this.finished) throw new Error("Internal error: MultiHasher.digest() called twice");
    this.finished = true;
    const out: Digests = {};
    for (const [a, h] of this.hashes) out[a] = new Uint8Array(h.digest());
    return out;
  }
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Parses lowercase or uppercase hex; returns undefined for odd lengths or non-hex characters. */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, "hex"));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
