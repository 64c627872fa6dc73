/**
 * The Authenticode digest taken in one pass as a file is sealed is the digest verification computes by range,
 * whatever the chunks; an image that cannot be hashed in one pass gives none; and the verifier takes a streamed
 * digest only for the very ranges it plans itself.
 */
import { describe, expect, test } from "bun:test";
import { toHex } from "../../../src/bytes/digest.ts";
import { digestRangesInMemory, planAuthenticodeHash } from "../../../src/trust/authenticode-hash.ts";
import { AuthenticodeStream } from "../../../src/trust/authenticode-stream.ts";
import { emptyTrustStore } from "../../../src/trust/trust-store.ts";
import { verifyAuthenticodeFile } from "../../../src/trust/verify-authenticode.ts";
import { winCertificate, writeTinyPe } from "./tiny-pe.ts";

const bytes = (n: number, fill: number) => new Uint8Array(n).map((_, i) => (i * 7 + fill) & 0xff);
const image = writeTinyPe({
  sections: [
    { name: ".text", data: bytes(0x30000, 1) },
    { name: ".initrd", data: bytes(0x12345, 2) },
  ],
  trailing: bytes(0x30, 3),
  certificateTable: winCertificate(bytes(0x20, 4)),
}).bytes;

/** Feeds `file` in chunks of `size` bytes through one reused buffer, as the sealed copy does. */
function stream(file: Uint8Array, size: number) {
  const s = new AuthenticodeStream(file.byteLength, ["sha256"], { source: "test.efi" });
  const buffer = new Uint8Array(size);
  for (let at = 0; at < file.byteLength; at += size) {
    const n = Math.min(size, file.byteLength - at);
    buffer.set(file.subarray(at, at + n));
    s.update(buffer.subarray(0, n));
    buffer.fill(0xee);
  }
  return s.result();
}

describe("AuthenticodeStream", () => {
  const layout = planAuthenticodeHash(image, image.byteLength, { source: "test.efi" });
  const expected = toHex(digestRangesInMemory(image, layout.ranges, ["sha256"]).sha256!);

  for (const size of [1, 511, 4096, 0x10000, 0x10001, 1 << 20]) {
    test(`gives the digest of the planned ranges, fed in chunks of ${size} bytes`, () => {
      const r = stream(image, size);
      expect(r?.ranges).toEqual(layout.ranges);
      expect(toHex(r!.digests.sha256!)).toBe(expected);
    });
  }

  test("gives nothing before the last byte, after a byte too many, or for a file that is no PE image", () => {
    const s = new AuthenticodeStream(image.byteLength, ["sha256"], { source: "test.efi" });
    s.update(image.subarray(0, image.byteLength - 1));
    expect(s.result()).toBeUndefined();
    const over = new AuthenticodeStream(image.byteLength - 1, ["sha256"], { source: "test.efi" });
    over.update(image);
    expect(over.result()).toBeUndefined();
    expect(stream(new Uint8Array(0x20000).fill(1), 4096)).toBeUndefined();
  });

  test("gives nothing for an image whose sections overlap: its ranges go back in the file", () => {
    const overlapping = image.slice();
    const v = new DataView(overlapping.buffer);
    // The second section header (after the PE32+ optional header with 16 directories) points at the first one's raw data.
    const second = 0x40 + 24 + (112 + 16 * 8) + 40;
    v.setUint32(second + 20, layout.ranges[3]!.offset, true);
    expect(planAuthenticodeHash(overlapping, overlapping.byteLength, { source: "x" }).ranges.length).toBeGreaterThan(0);
    expect(stream(overlapping, 4096)).toBeUndefined();
  });
});

describe("verifyAuthenticodeFile() with a streamed digest", () => {
  const read = async (offset: number, length: number) => image.slice(offset, offset + length);
  const layout = planAuthenticodeHash(image, image.byteLength, { source: "test.efi" });
  const real = toHex(digestRangesInMemory(image, layout.ranges, ["sha256"]).sha256!);
  const marked = new Uint8Array(32).fill(0xab);

  test("takes it for the same ranges, instead of reading the image again", async () => {
    let reads = 0;
    const counted = async (offset: number, length: number) => {
      reads++;
      return read(offset, length);
    };
    const r = await verifyAuthenticodeFile(image, image.byteLength, counted, emptyTrustStore(), {
      source: "test.efi",
      streamed: { ranges: layout.ranges, digests: { sha256: marked } },
    });
    expect(r.imageSha256).toBe(toHex(marked));
    // The certificate table only.
    expect(reads).toBe(1);
  });

  test("ignores it for other ranges, and hashes what it planned", async () => {
    const r = await verifyAuthenticodeFile(image, image.byteLength, read, emptyTrustStore(), {
      source: "test.efi",
      streamed: { ranges: layout.ranges.slice(1), digests: { sha256: marked } },
    });
    expect(r.imageSha256).toBe(real);
  });
});
