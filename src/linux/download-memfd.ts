/**
 * A download straight into a memfd (docs/network.md §3): each chunk is written as it arrives, so the file is
 * never held in JavaScript and peak memory does not grow with its size. The result is read like any file,
 * at /proc/self/fd/N and sealed, so discovery, verification, sealing and the plan treat it as a local UKI. On any failure
 * the memfd is closed: nothing half-downloaded can be loaded.
 */
import { closeFd, memfdCreate, sealMemfd, writeAll } from "./memfd.ts";
import { httpDownload, type HttpDownloadOptions } from "./http-download.ts";

export interface DownloadedFile {
  /** /proc/self/fd/N: readable by path while `close` has not been called. */
  path: string;
  bytes: number;
  finalUrl: string;
  close(): void;
}

export async function downloadToMemfd(url: string, opts: Omit<HttpDownloadOptions, "sink">): Promise<DownloadedFile> {
  const name = `ukiboot-download-${new URL(url).pathname.split("/").filter(Boolean).at(-1) ?? "file"}`.slice(0, 200);
  const fd = memfdCreate(name, { sealable: true });
  try {
    const r = await httpDownload(url, { ...opts, sink: (chunk) => writeAll(fd, chunk) });
    // Sealed once complete: what is verified later is what loads, with no copy (docs/network.md §3).
    sealMemfd(fd, `the download of "${url}"`);
    return { path: `/proc/self/fd/${fd}`, bytes: r.bytes, finalUrl: r.finalUrl, close: () => closeFd(fd) };
  } catch (e) {
    closeFd(fd);
    throw e;
  }
}
