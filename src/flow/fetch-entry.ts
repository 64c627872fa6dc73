/**
 * A network entry becomes a UKI in memory (docs/network.md §5): the network is brought up on first need, the
 * UKI is downloaded into a sealed memory file with retries, and read by the same code as a UKI on the ESP. The
 * result is a Type #1 `uki` entry of that file, which is verified, planned and measured exactly as a local one.
 */
import { BootError } from "../errors.ts";
import { NOT_COUNTED, type NetworkEntry, type Type1UkiEntry, type UkiProfileEntry } from "../model/boot-entry.ts";
import type { Problem } from "../model/problem.ts";
import { readUkiEntries } from "../bls/uki-entries.ts";
import { efiArchOfNodeArch } from "../pe/efi-arch.ts";
import { DownloadError, type DownloadFailure, type DownloadProgress } from "../net/receive-body.ts";
import type { IpSetup } from "../net/ip-option.ts";
import type { FetchedFile, FetchLimits, Sys } from "../ports/sys.ts";

/** What one download may take (docs/network.md §3): a UKI above 2 GiB is not one, and a server silent for 10 s is down. */
export const FETCH_LIMITS: FetchLimits = { maxBytes: 2 * 1024 ** 3, stallMs: 10_000, maxRedirects: 5, answerMs: 10_000 };

/** The waits before the second and third attempt: failures that may pass (a server starting, a lost link) are tried again. */
export const RETRY_BACKOFF_MS = [1_000, 3_000];

/** Failures that another attempt cannot mend: the answer was clear, or the bytes were wrong. */
const FINAL: readonly DownloadFailure[] = ["too-big", "length-mismatch", "redirects", "dns", "tls"];

function retriable(e: unknown): boolean {
  if (!(e instanceof DownloadError)) return false;
  if (e.reason === "http-status") return /answered 5\d\d/.test(e.message);
  return !FINAL.includes(e.reason);
}

/** A console line per second while a download runs: how much, how fast, how long still. */
function progressLine(sys: Sys, url: string): (p: DownloadProgress) => void {
  let last = -Infinity;
  const mib = (n: number) => (n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`);
  return (p) => {
    const now = sys.clock.now();
    const done = p.total !== undefined && p.received >= p.total;
    if (now - last < 1000 && !done) return;
    last = now;
    const of = p.total !== undefined ? ` of ${mib(p.total)}` : "";
    const eta = p.etaSeconds !== undefined && !done ? `, ${Math.ceil(p.etaSeconds)} s left` : "";
    sys.log.info(`fetching ${url}: ${mib(p.received)}${of}, ${mib(p.bytesPerSecond)}/s${eta}`);
  };
}

/**
 * Downloads `url` with up to three attempts; the last failure is thrown, naming the URL.
 * @throws DownloadError
 */
export async function downloadWithRetries(sys: Sys, url: string, onProgress?: (p: DownloadProgress) => void): Promise<FetchedFile> {
  const line = progressLine(sys, url);
  for (let attempt = 0; ; attempt++) {
    try {
      return await sys.net.download(url, FETCH_LIMITS, (p) => {
        line(p);
        onProgress?.(p);
      });
    } catch (e) {
      const wait = RETRY_BACKOFF_MS[attempt];
      if (wait === undefined || !retriable(e)) throw e;
      sys.log.warn(`${(e as Error).message}; trying again in ${wait / 1000} s`);
      await sys.clock.sleep(wait);
    }
  }
}

/** Brings the network up once per boot as `setup` says, saying what was configured and how long it took. */
export async function networkUp(sys: Sys, setup: IpSetup | "system"): Promise<void> {
  const started = sys.clock.now();
  const summary = await sys.net.up(setup);
  if (summary !== "") sys.log.info(`network: ${summary} (${Math.round(sys.clock.now() - started)} ms)`);
}

export interface FetchedEntry {
  /** The entry as a Type #1 `uki` entry of the downloaded file. */
  entry: Type1UkiEntry;
  file: FetchedFile;
}

/**
 * Fetches the UKI of `entry` and reads it. The memory file is closed again when it is not a usable UKI; the
 * caller closes it once the kernel holds its own copy.
 * @throws DownloadError, or BootError naming the URL when the file is not a UKI with the entry's profile
 */
export async function fetchEntry(sys: Sys, entry: NetworkEntry, setup: IpSetup | "system", onProgress?: (p: DownloadProgress) => void): Promise<FetchedEntry> {
  await networkUp(sys, setup);
  sys.log.info(`fetching "${entry.showTitle}" from ${entry.url}`);
  const file = await downloadWithRetries(sys, entry.url, onProgress);
  entry.size = file.bytes;
  try {
    return { entry: await asUkiEntry(sys, entry, file), file };
  } catch (e) {
    file.close();
    throw e;
  }
}

async function asUkiEntry(sys: Sys, entry: NetworkEntry, file: FetchedFile): Promise<Type1UkiEntry> {
  const problems: Problem[] = [];
  const slash = file.path.lastIndexOf("/");
  // Read as a UKI alone: a downloaded UKI has no partition, so no add-ons or companion files (docs/network.md §5).
  const found = await readUkiEntries(
    { fs: sys.fs, arch: efiArchOfNodeArch(process.arch) ?? "x64", problems, globalAddons: async () => [] },
    { root: file.path.slice(0, slash), source: "esp", dirLoaderPath: "\\", fileName: file.path.slice(slash + 1), path: file.path },
  );
  const named = (s: string) => s.replaceAll(file.path, entry.url);
  const profile = entry.profile ?? 0;
  const uki = found.find((e): e is UkiProfileEntry => e.kind === "type2" && e.profile === profile);
  if (!uki) {
    const why = problems.map((p) => named(p.message)).join("; ") || (found.length > 0 ? `it has no profile ${profile}` : "it is not a UKI");
    throw new BootError(`Cannot boot "${entry.url}": ${why}`, "Check what the server serves at this URL: it must be a UKI built for this machine");
  }
  return {
    kind: "type1-uki",
    id: entry.id,
    ...(entry.title !== undefined ? { title: entry.title } : uki.title !== undefined ? { title: uki.title } : {}),
    showTitle: entry.showTitle,
    ...((entry.version ?? uki.version) !== undefined ? { version: entry.version ?? uki.version } : {}),
    ...(entry.sortKey !== undefined ? { sortKey: entry.sortKey } : {}),
    source: entry.source,
    root: entry.root,
    dir: entry.dir,
    fileName: entry.fileName,
    path: entry.path,
    loaderPath: entry.loaderPath,
    // An entry file's options replace the UKI's .cmdline where the policy lets them, as for any `uki` entry.
    options: entry.options,
    triesLeft: NOT_COUNTED,
    triesDone: NOT_COUNTED,
    uki: { path: file.path, loaderPath: entry.url },
    image: { ...uki.image, loaderPath: entry.url },
    addons: [],
    companions: [],
    extras: [],
    ...(entry.profile !== undefined ? { profile: entry.profile } : {}),
  };
}
