/**
 * downloadToMemfd() (docs/network.md §3): 500 MiB from a server in another process on 127.0.0.1 into a memfd,
 * with ukiboot's resident memory staying flat; a failed download leaves no memfd behind.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { closeSync, fstatSync, openSync, readdirSync, readlinkSync, readSync } from "node:fs";
import { downloadToMemfd } from "../../../src/linux/download-memfd.ts";
import { DownloadError } from "../../../src/net/receive-body.ts";

const MIB = 1 << 20;
let server: ReturnType<typeof Bun.spawn>;
let base = "";

beforeAll(async () => {
  // Chunk i is filled with the byte i & 0xff, so any byte tells where it came from.
  const script = `const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch(req) {
    const n = Number(new URL(req.url).searchParams.get("mib") ?? "1");
    let i = 0;
    return new Response(new ReadableStream({ pull(c) { if (i === n) return c.close(); c.enqueue(new Uint8Array(${MIB}).fill(i++ & 0xff)); } }));
  } }); console.log(s.port);`;
  server = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe" });
  const reader = (server.stdout as ReadableStream<Uint8Array>).getReader();
  base = `http://127.0.0.1:${new TextDecoder().decode((await reader.read()).value).trim()}`;
  reader.releaseLock();
}, 30_000);

afterAll(() => server.kill());

/** The download memfds this process holds, by their names in /proc/self/fd. */
const fds = () =>
  readdirSync("/proc/self/fd").filter((n) => {
    try {
      return readlinkSync(`/proc/self/fd/${n}`).startsWith("/memfd:ukiboot-download");
    } catch {
      return false;
    }
  }).length;

test("500 MiB arrive whole in a memfd, and resident memory stays within 64 MiB of where it started", async () => {
  Bun.gc(true);
  const before = process.memoryUsage().rss;
  let peak = before;
  const f = await downloadToMemfd(`${base}/big.efi?mib=500`, {
    limits: { maxBytes: 600 * MIB, stallMs: 10_000, maxRedirects: 3, answerMs: 10_000 },
    onProgress: (p) => {
      // A sample over the bound is taken again after a collection: what is measured is what the download
      // holds, not how far the collector, which runs on its own thread, lags behind on a busy machine.
      if (p.received % (50 * MIB) < MIB) {
        let rss = process.memoryUsage().rss;
        if (rss - before >= 64 * MIB) {
          Bun.gc(true);
          rss = process.memoryUsage().rss;
        }
        peak = Math.max(peak, rss);
      }
    },
  });
  try {
    expect(f.bytes).toBe(500 * MIB);
    expect(f.path).toMatch(/^\/proc\/self\/fd\/\d+$/);
    const fd = openSync(f.path, "r");
    try {
      expect(fstatSync(fd).size).toBe(500 * MIB);
      const b = new Uint8Array(1);
      for (const chunk of [0, 1, 255, 256, 499]) {
        readSync(fd, b, 0, 1, chunk * MIB + 12345);
        expect(b[0]).toBe(chunk & 0xff);
      }
    } finally {
      closeSync(fd);
    }
    expect(peak - before).toBeLessThan(64 * MIB);
    expect(fds()).toBe(1);
  } finally {
    f.close();
  }
  expect(fds()).toBe(0);
}, 120_000);

test("a download over the limit leaves no memfd open", async () => {
  expect(fds()).toBe(0);
  const e = await downloadToMemfd(`${base}/big.efi?mib=4`, { limits: { maxBytes: 2 * MIB, stallMs: 10_000, maxRedirects: 3, answerMs: 10_000 } }).catch(
    (x) => x,
  );
  expect(e).toBeInstanceOf(DownloadError);
  expect(e.message).toBe(`Cannot download "${base}/big.efi?mib=4": it is more than the limit of ${2 * MIB} bytes`);
  expect(fds()).toBe(0);
}, 30_000);
