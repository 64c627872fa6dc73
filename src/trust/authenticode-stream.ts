/**
 * The Authenticode digest of a PE image taken while its bytes go past once, in file order: for a caller that
 * reads the whole file anyway, as the sealed copy does (docs/trust.md §4), so verifying the copy does not
 * read and hash it a second time. The ranges are planAuthenticodeHash()'s, from the same first bytes, and the
 * result carries them: a verifier uses the digest only when the layout it plans itself is the same.
 *
 * Ranges are hashed as the bytes arrive, so they must come in ascending, non-overlapping order. That is
 * every image a linker or ukify writes; for one whose sections overlap or are listed out of file order the
 * stream gives no result, and the verifier reads the ranges itself as before.
 */
import { concatBytes } from "../bytes/concat-bytes.ts";
import { FormatError } from "../errors.ts";
import { type DigestAlgorithm, type Digests, MultiHasher } from "../bytes/digest.ts";
import { AUTHENTICODE_HEAD_SIZE, type ByteRange, planAuthenticodeHash } from "./authenticode-hash.ts";

/** The digests of `ranges` of one image, as verifyAuthenticodeFile() can take them. */
export interface StreamedDigest {
  ranges: ByteRange[];
  digests: Digests;
}

export class AuthenticodeStream {
  private readonly hasher: MultiHasher;
  /** The ranges to hash; undefined until the head is in; null once the image cannot be hashed in one pass. */
  private ranges: ByteRange[] | undefined | null;
  /** Copies of chunks smaller than the head that came before it was complete (callers reuse their buffers). */
  private early: Uint8Array[] = [];
  private earlyBytes = 0;
  /** Bytes seen so far, and the bytes hashed so far: the file offset of the next chunk, and the next range. */
  private position = 0;
  private hashed = 0;
  private next = 0;

  constructor(
    private readonly fileSize: number,
    algorithms: Iterable<DigestAlgorithm>,
    private readonly opts: { source: string },
  ) {
    this.hasher = new MultiHasher(algorithms);
  }

  /** The next bytes of the file, following those given before. */
  update(chunk: Uint8Array): void {
    if (this.ranges === null || chunk.byteLength === 0) return;
    if (this.position + chunk.byteLength > this.fileSize) {
      this.ranges = null;
      return;
    }
    this.position += chunk.byteLength;
    if (this.ranges === undefined) {
      const needed = Math.min(AUTHENTICODE_HEAD_SIZE, this.fileSize);
      // The usual case: the first chunk holds the whole head, and nothing needs keeping.
      if (this.early.length === 0 && chunk.byteLength >= needed) {
        this.ranges = this.plan(chunk);
        if (this.ranges) this.hash(chunk);
        return;
      }
      this.early.push(chunk.slice());
      this.earlyBytes += chunk.byteLength;
      if (this.earlyBytes < needed) return;
      const early = this.early;
      this.early = [];
      this.ranges = this.plan(concatBytes(early));
      if (this.ranges) for (const c of early) this.hash(c);
      return;
    }
    this.hash(chunk);
  }

  /** The digests, once every byte of the file went past; undefined when the image cannot be hashed in one pass. */
  result(): StreamedDigest | undefined {
    if (!this.ranges || this.hashed !== this.fileSize || this.next !== this.ranges.length) return undefined;
    const ranges = this.ranges;
    this.ranges = null;
    return { ranges, digests: this.hasher.digest() };
  }

  /** The layout from the first bytes, or null when it is not a PE image or its ranges go back in the file. */
  private plan(head: Uint8Array): ByteRange[] | null {
    let ranges: ByteRange[];
    try {
      // The verifier's head, no more: a layout that needs bytes past it is refused there, so here too.
      ranges = planAuthenticodeHash(head.subarray(0, Math.min(AUTHENTICODE_HEAD_SIZE, this.fileSize)), this.fileSize, this.opts).ranges;
    } catch (e) {
      // The verifier plans the same head again and reports why the layout is invalid.
      if (e instanceof FormatError) return null;
      throw e;
    }
    for (let i = 1; i < ranges.length; i++) {
      const before = ranges[i - 1]!;
      if (ranges[i]!.offset < before.offset + before.length) return null;
    }
    return ranges;
  }

  /** Hashes the parts of the ranges that fall in `chunk`, which starts at offset `this.hashed`. */
  private hash(chunk: Uint8Array): void {
    const ranges = this.ranges!;
    const start = this.hashed;
    const end = start + chunk.byteLength;
    while (this.next < ranges.length) {
      const r = ranges[this.next]!;
      const rangeEnd = r.offset + r.length;
      if (r.offset >= end) break;
      const from = Math.max(r.offset, start);
      const to = Math.min(rangeEnd, end);
      if (to > from) this.hasher.update(chunk.subarray(from - start, to - start));
      if (rangeEnd > end) break;
      this.next++;
    }
    this.hashed = end;
  }
}
