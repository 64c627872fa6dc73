/**
 * httpDownload() against real servers on 127.0.0.1 (docs/network.md §3): plain HTTP and HTTPS with a test CA
 * pinned, and each way a download goes wrong, as a sentence naming the URL. Nothing leaves the machine.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../../build/lib/run-command.ts";
import { httpDownload, type HttpDownloadOptions } from "../../../src/linux/http-download.ts";
import { DownloadError } from "../../../src/net/receive-body.ts";

const BODY = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
const dir = mkdtempSync(join(tmpdir(), "ukiboot-http-"));
let ca = "";
const servers: ReturnType<typeof Bun.serve>[] = [];
const stops: (() => void)[] = [];
let http = "";
/** A raw TCP server that announces 5000 bytes, sends 1000 and closes: HTTP servers will not lie like that. */
let short = "";
const https: Record<"good" | "expired" | "otherName", string> = { good: "", expired: "", otherName: "" };

/** A leaf certificate the test CA signs: for 127.0.0.1, or for another name, or already expired. */
async function leaf(name: string, san: string, days: string): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}.key`);
  await run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", join(dir, `${name}.csr`), "-subj", `/CN=${name}`]);
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
  await run([
    "openssl",
    "x509",
    "-req",
    "-in",
    join(dir, `${name}.csr`),
    "-CA",
    join(dir, "ca.crt"),
    "-CAkey",
    join(dir, "ca.key"),
    "-set_serial",
    String(servers.length + 2),
    "-days",
    days,
    "-extfile",
    join(dir, `${name}.ext`),
    "-out",
    join(dir, `${name}.crt`),
  ]);
  return { cert: readFileSync(join(dir, `${name}.crt`), "utf8"), key: readFileSync(key, "utf8") };
}

function routes(req: Request): Response | Promise<Response> {
  const path = new URL(req.url).pathname;
  if (path === "/uki.efi") return new Response(BODY, { headers: { "content-type": "application/octet-stream" } });
  if (path === "/moved") return new Response(null, { status: 302, headers: { location: "/uki.efi" } });
  if (path === "/loop-a") return new Response(null, { status: 302, headers: { location: "/loop-b" } });
  if (path === "/loop-b") return new Response(null, { status: 302, headers: { location: "/loop-a" } });
  if (path === "/to-https") return new Response(null, { status: 302, headers: { location: `${https.good}/uki.efi` } });
  if (path === "/to-plain") return new Response(null, { status: 302, headers: { location: `${http}/uki.efi` } });
  if (path === "/stall") {
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(BODY.subarray(0, 100));
      },
    });
    return new Response(stream);
  }
  return new Response("not here", { status: 404, statusText: "Not Found" });
}

beforeAll(async () => {
  await run([
    "openssl",
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    join(dir, "ca.key"),
    "-out",
    join(dir, "ca.crt"),
    "-days",
    "30",
    "-subj",
    "/CN=ukiboot test CA",
  ]);
  ca = readFileSync(join(dir, "ca.crt"), "utf8");
  const raw = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket) {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n`);
        socket.write(BODY.subarray(0, 1000));
        socket.end();
      },
    },
  });
  short = `http://127.0.0.1:${raw.port}/short`;
  stops.push(() => raw.stop(true));
  const plain = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: routes });
  servers.push(plain);
  http = `http://127.0.0.1:${plain.port}`;
  for (const [which, san, days] of [
    ["good", "IP:127.0.0.1,DNS:localhost", "30"],
    ["expired", "IP:127.0.0.1", "-1"],
    ["otherName", "DNS:other.example", "30"],
  ] as const) {
    const s = Bun.serve({ hostname: "127.0.0.1", port: 0, tls: await leaf(which, san, days), fetch: routes });
    servers.push(s);
    https[which] = `https://127.0.0.1:${s.port}`;
  }
}, 60_000);

afterAll(() => {
  for (const s of servers) s.stop(true);
  for (const stop of stops) stop();
});

function options(extra: Partial<HttpDownloadOptions> = {}): HttpDownloadOptions & { received: () => Uint8Array } {
  const parts: Uint8Array[] = [];
  return {
    limits: { maxBytes: 8 * 1024 * 1024, stallMs: 1500, maxRedirects: 3, answerMs: 5000 },
    sink: (c) => void parts.push(c),
    received: () => new Uint8Array(Buffer.concat(parts)),
    ...extra,
  };
}

async function failure(url: string, extra: Partial<HttpDownloadOptions> = {}): Promise<DownloadError> {
  const e = await httpDownload(url, options(extra)).catch((x) => x);
  expect(e).toBeInstanceOf(DownloadError);
  return e as DownloadError;
}

describe("httpDownload()", () => {
  test("plain HTTP: every byte, in order, through the sink", async () => {
    const o = options();
    const r = await httpDownload(`${http}/uki.efi`, o);
    expect(r).toEqual({ bytes: BODY.length, finalUrl: `${http}/uki.efi` });
    expect(Bun.hash(o.received())).toBe(Bun.hash(BODY));
  });

  test("HTTPS with the test CA pinned, after a redirect", async () => {
    const o = options({ ca: [ca] });
    const r = await httpDownload(`${https.good}/moved`, o);
    expect(r).toEqual({ bytes: BODY.length, finalUrl: `${https.good}/uki.efi` });
    expect(Bun.hash(o.received())).toBe(Bun.hash(BODY));
  });

  test("TLS: an unknown CA, an expired certificate, a certificate for another name", async () => {
    const unknown = await failure(`${https.good}/uki.efi`);
    expect([unknown.reason, unknown.message]).toEqual([
      "tls",
      expect.stringMatching(/^Cannot download "https:\/\/127\.0\.0\.1:\d+\/uki\.efi": the server's certificate is not signed by a trusted CA/),
    ]);
    const expired = await failure(`${https.expired}/uki.efi`, { ca: [ca] });
    expect([expired.reason, expired.message]).toEqual(["tls", expect.stringContaining("the server's certificate has expired")]);
    const other = await failure(`${https.otherName}/uki.efi`, { ca: [ca] });
    expect([other.reason, other.message]).toEqual(["tls", expect.stringContaining('the server\'s certificate is not for "127.0.0.1"')]);
  });

  test("404, a redirect loop, too many redirects", async () => {
    const missing = await failure(`${http}/gone.efi`);
    expect(missing.message).toBe(`Cannot download "${http}/gone.efi": the server answered 404 Not Found`);
    const loop = await failure(`${http}/loop-a`);
    expect([loop.reason, loop.message]).toEqual([
      "redirects",
      `Cannot download "${http}/loop-a": the redirects go round in a loop (${http}/loop-a → ${http}/loop-b → ${http}/loop-a)`,
    ]);
    const far = await failure(`${http}/moved`, { limits: { maxBytes: 1 << 30, stallMs: 1500, maxRedirects: 0, answerMs: 5000 } });
    expect(far.message).toBe(`Cannot download "${http}/moved": it redirects more than 0 times`);
  });

  test("a redirect from HTTPS to plain HTTP is refused, naming both URLs; from HTTP to HTTPS is followed", async () => {
    const down = await failure(`${https.good}/to-plain`, { ca: [ca] });
    expect([down.reason, down.message, down.hint]).toEqual([
      "redirects",
      `Cannot download "${https.good}/to-plain": the server redirects it to "${http}/uki.efi", from HTTPS to plain HTTP, where anyone on the way could read and change what comes`,
      "Make the server redirect to an https:// URL, or name the final URL in ukiboot.url= or the entry",
    ]);
    const up = await httpDownload(`${http}/to-https`, options({ ca: [ca] }));
    expect(up).toEqual({ bytes: BODY.length, finalUrl: `${https.good}/uki.efi` });
  });

  test("connection refused, an unresolvable name", async () => {
    const refused = await failure("http://127.0.0.1:1/uki.efi");
    expect([refused.reason, refused.message]).toEqual(["refused", 'Cannot download "http://127.0.0.1:1/uki.efi": the connection to 127.0.0.1:1 was refused']);
    const dns = await failure("http://no-such-host.invalid/uki.efi");
    expect([dns.reason, dns.message]).toEqual([
      "dns",
      'Cannot download "http://no-such-host.invalid/uki.efi": the host name "no-such-host.invalid" cannot be resolved',
    ]);
  });

  test("a truncated transfer, a body over the limit, a stalled server", async () => {
    const cut = await failure(short);
    expect(cut.reason).toBe("truncated");
    // The runtime reports the cut connection (ECONNRESET) before the body's end could show the shortfall.
    expect(cut.message).toMatch(
      new RegExp(`^Cannot download "${short}": the transfer (ended after 1000 of 5000 bytes|broke off after \\d+ of 5000 bytes \\(.+\\))$`),
    );
    const big = await failure(`${http}/uki.efi`, { limits: { maxBytes: 1024 * 1024, stallMs: 1500, maxRedirects: 3, answerMs: 5000 } });
    expect(big.message).toBe(`Cannot download "${http}/uki.efi": it is ${BODY.length} bytes (Content-Length), more than the limit of 1048576 bytes`);
    const stalled = await failure(`${http}/stall`);
    expect([stalled.reason, stalled.message]).toEqual(["stalled", `Cannot download "${http}/stall": no data for 1.5 s after 100 bytes`]);
  }, 20_000);
});
