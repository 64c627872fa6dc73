/**
 * HTTP and HTTPS downloads through the runtime's own fetch (docs/network.md §3): redirects followed by hand,
 * counted, and never from HTTPS to plain HTTP; TLS checked against the system's CAs or only the pinned ones,
 * a time limit for the answer, and the body handed to receiveBody() chunk by chunk. Every failure is a
 * DownloadError naming the URL.
 */
import { DownloadError, receiveBody, type DownloadLimits, type DownloadProgress } from "../net/receive-body.ts";

export interface HttpDownloadOptions {
  limits: DownloadLimits & {
    /** Redirects followed before giving up. */
    maxRedirects: number;
    /** The longest wait for the response headers. */
    answerMs: number;
  };
  /** PEM certificates: when given, the only CAs trusted for HTTPS (pinned); otherwise the system's. */
  ca?: string[];
  sink: (chunk: Uint8Array) => void | Promise<void>;
  onProgress?: (p: DownloadProgress) => void;
}

export interface HttpDownload {
  bytes: number;
  /** The URL after redirects. */
  finalUrl: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The sentence for a failed connection, from the error code the runtime gives. */
function connectFailure(url: string, e: unknown): DownloadError {
  const code = (e as { code?: string }).code ?? "";
  const host = new URL(url).host;
  const msg = e instanceof Error ? e.message : String(e);
  if (code === "ECONNREFUSED")
    return new DownloadError(url, "refused", `the connection to ${host} was refused`, "Check that the server runs and listens on that port");
  if (code === "ENOTFOUND" || code.startsWith("EAI_") || /getaddrinfo/.test(msg))
    return new DownloadError(
      url,
      "dns",
      `the host name "${new URL(url).hostname}" cannot be resolved`,
      "Check the name and the DNS server the network gave (ukiboot.net= sets one)",
    );
  if (code === "CERT_HAS_EXPIRED") return new DownloadError(url, "tls", `the server's certificate has expired (${code})`, "Renew the server's certificate");
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID" || /altname|hostname/i.test(msg))
    return new DownloadError(
      url,
      "tls",
      `the server's certificate is not for "${new URL(url).hostname}" (${code || msg})`,
      "Use the name the certificate was made for, or make one for this name",
    );
  if (/CERT|SELF_SIGNED|ISSUER|VERIFY/.test(code))
    return new DownloadError(
      url,
      "tls",
      `the server's certificate is not signed by a trusted CA (${code})`,
      "Pin the server's CA in the image (trust.d/) or serve a certificate from a CA the image trusts",
    );
  if (code === "TimeoutError" || (e as Error).name === "TimeoutError" || code === "ABORT_ERR")
    return new DownloadError(url, "timeout", "the server did not answer in time", "Check the server and the network");
  return new DownloadError(url, "network", `the request failed: ${msg}${code ? ` (${code})` : ""}`, "Check the network and the server");
}

/** Downloads `url` into `opts.sink`; resolves when all of it arrived and passed the checks. */
export async function httpDownload(url: string, opts: HttpDownloadOptions): Promise<HttpDownload> {
  const seen = new Set<string>();
  let current = url;
  for (let hop = 0; ; hop++) {
    seen.add(current);
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), opts.limits.answerMs);
    let res: Response;
    try {
      res = await fetch(current, { redirect: "manual", signal: ac.signal, ...(opts.ca ? { tls: { ca: opts.ca } } : {}) } as RequestInit);
    } catch (e) {
      throw ac.signal.aborted
        ? new DownloadError(current, "timeout", `no answer within ${opts.limits.answerMs / 1000} s`, "Check the server and the network")
        : connectFailure(current, e);
    } finally {
      clearTimeout(timer);
    }
    if (REDIRECTS.has(res.status)) {
      const location = res.headers.get("location");
      await res.body?.cancel();
      if (!location) throw new DownloadError(current, "http-status", `the server answered ${res.status} without a Location`, "Fix the server's redirect");
      const next = new URL(location, current).href;
      // Whoever chose HTTPS wanted the transfer protected: a server (or whoever answers for it) may not drop that.
      if (new URL(current).protocol === "https:" && new URL(next).protocol !== "https:") {
        throw new DownloadError(
          current,
          "redirects",
          `the server redirects it to "${next}", from HTTPS to plain HTTP, where anyone on the way could read and change what comes`,
          "Make the server redirect to an https:// URL, or name the final URL in ukiboot.url= or the entry",
        );
      }
      if (seen.has(next))
        throw new DownloadError(url, "redirects", `the redirects go round in a loop (${[...seen, next].join(" → ")})`, "Fix the server's redirects");
      if (hop + 1 > opts.limits.maxRedirects)
        throw new DownloadError(
          url,
          "redirects",
          `it redirects more than ${opts.limits.maxRedirects} times`,
          "Point ukiboot at the final URL, or fix the server's redirects",
        );
      current = next;
      continue;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new DownloadError(
        current,
        "http-status",
        `the server answered ${res.status} ${res.statusText}`.trimEnd(),
        res.status === 404 ? "Check the URL and what the server serves" : "Check the server's logs",
      );
    }
    if (!res.body) throw new DownloadError(current, "truncated", "the response has no body", "Check the server");
    const length = res.headers.get("content-length");
    const contentLength = length !== null && /^\d+$/.test(length) ? Number(length) : undefined;
    const body = res.body;
    try {
      const { bytes } = await receiveBody({
        url: current,
        body,
        ...(contentLength !== undefined ? { contentLength } : {}),
        limits: opts.limits,
        clock: {
          now: () => performance.now(),
          timer(ms) {
            let t: ReturnType<typeof setTimeout> | undefined;
            const elapsed = new Promise<void>((resolve) => (t = setTimeout(resolve, ms)));
            return { elapsed, cancel: () => clearTimeout(t) };
          },
        },
        sink: opts.sink,
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      });
      return { bytes, finalUrl: current };
    } catch (e) {
      await body.cancel().catch(() => {});
      // A connection cut in the middle shows as a stream error: it is a truncated transfer.
      if (!(e instanceof DownloadError))
        throw new DownloadError(
          current,
          "truncated",
          `the transfer broke off: ${e instanceof Error ? e.message : String(e)}`,
          "Try again; check the server's logs if it keeps happening",
        );
      throw e;
    }
  }
}
