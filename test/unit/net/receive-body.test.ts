/**
 * Receiving a download (docs/network.md §3): chunks go straight to a sink (a memfd in the boot), bounded by a
 * size limit, the announced length and a stall timeout; progress with rate and ETA. Nothing is kept here.
 */
import { describe, expect, test } from "bun:test";
import { DownloadError, receiveBody, type DownloadProgress } from "../../../src/net/receive-body.ts";

const URL_ = "https://boot.example/fooos.efi";

async function* chunks(sizes: number[], opts: { stallAfter?: number } = {}): AsyncGenerator<Uint8Array> {
  let i = 0;
  for (const n of sizes) {
    if (opts.stallAfter !== undefined && i++ === opts.stallAfter) await new Promise(() => {});
    yield new Uint8Array(n).fill(0x41);
  }
}

/** A clock whose time moves 100 ms per reading; with `stalls` its timers run out at once, as when no data comes. */
function clock(stalls = false) {
  let t = 0;
  return { now: () => (t += 100), timer: () => ({ elapsed: stalls ? Promise.resolve() : new Promise<void>(() => {}), cancel: () => {} }) };
}

describe("receiveBody()", () => {
  test("every chunk reaches the sink in order; the count and progress are reported", async () => {
    const got: number[] = [];
    const progress: DownloadProgress[] = [];
    const r = await receiveBody({
      url: URL_,
      body: chunks([1000, 2000, 3000]),
      contentLength: 6000,
      limits: { maxBytes: 10_000, stallMs: 5000 },
      clock: clock(),
      sink: (c) => void got.push(c.length),
      onProgress: (p) => progress.push(p),
    });
    expect(got).toEqual([1000, 2000, 3000]);
    expect(r.bytes).toBe(6000);
    expect(progress.at(-1)).toMatchObject({ received: 6000, total: 6000, etaSeconds: 0 });
    expect(progress[0]!.bytesPerSecond).toBeGreaterThan(0);
  });

  test("an announced length over the limit is refused before anything is received", async () => {
    let sunk = 0;
    const err = await receiveBody({
      url: URL_,
      body: chunks([10]),
      contentLength: 20_000,
      limits: { maxBytes: 10_000, stallMs: 5000 },
      clock: clock(),
      sink: (c) => void (sunk += c.length),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.reason).toBe("too-big");
    expect(err.message).toBe(`Cannot download "${URL_}": it is 20000 bytes (Content-Length), more than the limit of 10000 bytes`);
    expect(sunk).toBe(0);
  });

  test("a body that grows past the limit without a length stops at the limit", async () => {
    const err = await receiveBody({ url: URL_, body: chunks([6000, 6000]), limits: { maxBytes: 10_000, stallMs: 5000 }, clock: clock(), sink: () => {} }).catch(
      (e) => e,
    );
    expect(err.reason).toBe("too-big");
    expect(err.message).toBe(`Cannot download "${URL_}": it is more than the limit of 10000 bytes`);
  });

  test("a transfer that ends early is truncated; one that sends more than announced is refused", async () => {
    const short = await receiveBody({
      url: URL_,
      body: chunks([1000]),
      contentLength: 3000,
      limits: { maxBytes: 10_000, stallMs: 5000 },
      clock: clock(),
      sink: () => {},
    }).catch((e) => e);
    expect(short.reason).toBe("truncated");
    expect(short.message).toBe(`Cannot download "${URL_}": the transfer ended after 1000 of 3000 bytes`);
    const long = await receiveBody({
      url: URL_,
      body: chunks([2000, 2000]),
      contentLength: 3000,
      limits: { maxBytes: 10_000, stallMs: 5000 },
      clock: clock(),
      sink: () => {},
    }).catch((e) => e);
    expect(long.reason).toBe("length-mismatch");
    expect(long.message).toBe(`Cannot download "${URL_}": the server announced 3000 bytes (Content-Length) and sent more`);
  });

  test("a body that fails in the middle is a transfer that broke off, with the bytes that came", async () => {
    async function* cut(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(700);
      throw new Error("ECONNRESET: The socket connection was closed unexpectedly. For more information, pass verbose");
    }
    const err = await receiveBody({
      url: URL_,
      body: cut(),
      contentLength: 3000,
      limits: { maxBytes: 10_000, stallMs: 5000 },
      clock: clock(),
      sink: () => {},
    }).catch((e) => e);
    expect([err.reason, err.message]).toEqual([
      "truncated",
      `Cannot download "${URL_}": the transfer broke off after 700 of 3000 bytes (ECONNRESET: The socket connection was closed unexpectedly)`,
    ]);
  });

  test("no data within the stall timeout ends it, saying how much had come", async () => {
    const err = await receiveBody({
      url: URL_,
      body: chunks([500, 500], { stallAfter: 1 }),
      limits: { maxBytes: 10_000, stallMs: 5000 },
      clock: clock(true),
      sink: () => {},
    }).catch((e) => e);
    expect(err.reason).toBe("stalled");
    expect(err.message).toBe(`Cannot download "${URL_}": no data for 5 s after 500 bytes`);
    expect(err.hint).toMatch(/server/);
  });

  test("500 MiB through the receiver keeps memory flat: nothing is held after the sink", async () => {
    const CHUNK = 1 << 20;
    async function* big(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 500; i++) yield new Uint8Array(CHUNK);
    }
    Bun.gc(true);
    const before = process.memoryUsage().rss;
    let peak = before;
    let n = 0;
    const r = await receiveBody({
      url: URL_,
      body: big(),
      contentLength: 500 * CHUNK,
      limits: { maxBytes: 600 * CHUNK, stallMs: 5000 },
      clock: clock(),
      sink: () => {
        if (++n % 50 === 0) {
          Bun.gc(true);
          peak = Math.max(peak, process.memoryUsage().rss);
        }
      },
    });
    expect(r.bytes).toBe(500 * CHUNK);
    expect(peak - before).toBeLessThan(64 * CHUNK);
  }, 60_000);
});
