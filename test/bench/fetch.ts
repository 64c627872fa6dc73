/**
 * Benchmark (docs/network.md §3): downloading a 100 MiB file over loopback HTTP into a memfd with ukiboot's
 * downloader, against `curl -o /dev/null` of the same URL, in the same run; also ukiboot's peak RSS against
 * its RSS before. The server runs in its own process, so it does not share the downloader's memory.
 */
import { readFileSync } from "node:fs";
import { downloadToMemfd } from "../../src/linux/download-memfd.ts";

const MIB = 1 << 20;
const SIZE_MIB = 100;
const RUNS = 5;

const script = `const body = new Uint8Array(${SIZE_MIB * MIB}).map((_, i) => i & 0xff);
const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(body) }); console.log(s.port);`;
const server = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe" });
const reader = (server.stdout as ReadableStream<Uint8Array>).getReader();
const url = `http://127.0.0.1:${new TextDecoder().decode((await reader.read()).value).trim()}/uki.efi`;

/** VmHWM: this process's peak resident memory so far, in bytes. */
const peakRss = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))![1]) * 1024;

try {
  // One warm-up of each.
  await Bun.$`curl -s -o /dev/null ${url}`;
  (await downloadToMemfd(url, { limits: { maxBytes: 200 * MIB, stallMs: 10_000, maxRedirects: 3, answerMs: 10_000 } })).close();
  const rssBefore = process.memoryUsage().rss;
  let ours = 0;
  let theirs = 0;
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    await Bun.$`curl -s -o /dev/null ${url}`;
    theirs += performance.now() - t;
    t = performance.now();
    const f = await downloadToMemfd(url, { limits: { maxBytes: 200 * MIB, stallMs: 10_000, maxRedirects: 3, answerMs: 10_000 } });
    ours += performance.now() - t;
    if (f.bytes !== SIZE_MIB * MIB) throw new Error(`downloaded ${f.bytes} bytes, not ${SIZE_MIB} MiB`);
    f.close();
  }
  const a = ours / RUNS;
  const b = theirs / RUNS;
  console.log(`| download (${RUNS} runs each, mean) | ukiboot into a memfd | curl -o /dev/null | ratio | ukiboot RSS before / peak |`);
  console.log("| --- | --- | --- | --- | --- |");
  console.log(
    `| ${SIZE_MIB} MiB over loopback HTTP | ${a.toFixed(0)} ms | ${b.toFixed(0)} ms | ${(a / b).toFixed(2)}x | ${(rssBefore / MIB).toFixed(0)} / ${(peakRss() / MIB).toFixed(0)} MiB |`,
  );
} finally {
  server.kill();
}
