/**
 * Receiving a download's body (docs/network.md §3): each chunk goes straight to the sink (in the boot, a
 * memfd), so no whole file is held here; the announced length, a size limit and a stall timeout are enforced
 * as the bytes come, and progress is reported with rate and ETA. A failure is a DownloadError naming the URL;
 * the caller throws away what the sink got, so nothing half-downloaded is loaded.
 */
import { BootError } from "../errors.ts";

export interface DownloadLimits {
  /** The most bytes one file may have. */
  maxBytes: number;
  /** The longest wait for the next chunk. */
  stallMs: number;
}

export interface DownloadProgress {
  received: number;
  /** The announced length, when there was one. */
  total?: number;
  bytesPerSecond: number;
  etaSeconds?: number;
}

export type DownloadFailure =
  | "too-big"
  | "truncated"
  | "length-mismatch"
  | "stalled"
  | "http-status"
  | "redirects"
  | "refused"
  | "dns"
  | "tls"
  | "timeout"
  | "network";

/** A download that cannot be used, as a sentence naming the URL, and what to do. */
export class DownloadError extends BootError {
  override name = "DownloadError";
  constructor(
    readonly url: string,
    readonly reason: DownloadFailure,
    message: string,
    hint: string,
  ) {
    super(`Cannot download "${url}": ${message}`, hint);
  }
}

const STALLED: unique symbol = Symbol("stalled");

export interface ReceiveOptions {
  url: string;
  body: AsyncIterable<Uint8Array>;
  /** Content-Length, when the server sent one. */
  contentLength?: number;
  limits: DownloadLimits;
  /** `now` in milliseconds; `timer` starts a cancellable wait (the effect layer's setTimeout). */
  clock: { now(): number; timer(ms: number): { elapsed: Promise<void>; cancel(): void } };
  sink: (chunk: Uint8Array) => void | Promise<void>;
  onProgress?: (p: DownloadProgress) => void;
}

/** Streams `body` into `sink`; resolves with the byte count when the body ended complete. */
export async function receiveBody(o: ReceiveOptions): Promise<{ bytes: number }> {
  const { url, limits } = o;
  const limitHint = "Serve a smaller file, or raise the limit (ukiboot.net.max-size=)";
  if (o.contentLength !== undefined && o.contentLength > limits.maxBytes) {
    throw new DownloadError(url, "too-big", `it is ${o.contentLength} bytes (Content-Length), more than the limit of ${limits.maxBytes} bytes`, limitHint);
  }
  const start = o.clock.now();
  const it = o.body[Symbol.asyncIterator]();
  let received = 0;
  for (;;) {
    const timer = o.clock.timer(limits.stallMs);
    let next: IteratorResult<Uint8Array> | typeof STALLED;
    try {
      next = await Promise.race([it.next(), timer.elapsed.then((): typeof STALLED => STALLED)]);
    } catch (e) {
      // The connection was cut in the middle (the runtime says ECONNRESET or the like).
      const of = o.contentLength !== undefined ? ` of ${o.contentLength}` : "";
      const why = (e instanceof Error ? e.message : String(e)).split(". ")[0];
      throw new DownloadError(
        url,
        "truncated",
        `the transfer broke off after ${received}${of} bytes (${why})`,
        "Try again; check the server's logs if it keeps happening",
      );
    } finally {
      timer.cancel();
    }
    if (typeof next === "symbol") {
      // Not awaited: the body is still waiting for data, and its return() would wait with it.
      void Promise.resolve(it.return?.()).catch(() => {});
      throw new DownloadError(
        url,
        "stalled",
        `no data for ${limits.stallMs / 1000} s after ${received} bytes`,
        "Check the server and the network, then try again; the next entry boots meanwhile",
      );
    }
    if (next.done) break;
    const chunk = next.value;
    received += chunk.byteLength;
    if (o.contentLength !== undefined && received > o.contentLength) {
      await it.return?.();
      throw new DownloadError(
        url,
        "length-mismatch",
        `the server announced ${o.contentLength} bytes (Content-Length) and sent more`,
        "Fix the server; a proxy may be rewriting the response",
      );
    }
    if (received > limits.maxBytes) {
      await it.return?.();
      throw new DownloadError(url, "too-big", `it is more than the limit of ${limits.maxBytes} bytes`, limitHint);
    }
    await o.sink(chunk);
    if (o.onProgress) {
      const seconds = Math.max((o.clock.now() - start) / 1000, 1e-3);
      const rate = received / seconds;
      o.onProgress({
        received,
        ...(o.contentLength !== undefined ? { total: o.contentLength, etaSeconds: rate > 0 ? (o.contentLength - received) / rate : undefined } : {}),
        bytesPerSecond: rate,
      } as DownloadProgress);
    }
  }
  if (o.contentLength !== undefined && received < o.contentLength) {
    throw new DownloadError(
      url,
      "truncated",
      `the transfer ended after ${received} of ${o.contentLength} bytes`,
      "Try again; check the server's logs if it keeps happening",
    );
  }
  return { bytes: received };
}
