/**
 * A network entry becomes a UKI in memory (docs/network.md §5): the network is brought up on first need, the
 * UKI is downloaded into a sealed memory file with retries, and read by the same code as a UKI on the ESP. The
 * result is a Type #1 `uki` entry of that file, which is verified, planned and measured exactly as a local one.
 */
import { BootError } from "../errors.ts";
import { NOT_COUNTED, type CompanionFile, type CompanionFileKind, type NetworkEntry, type Type1UkiEntry, type UkiProfileEntry } from "../model/boot-entry.ts";
import { ADDON_SUFFIX, applicableAddons, readAddon, type LoadedAddon } from "../bls/addons.ts";
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
  /** The entry as a Type #1 `uki` entry of the downloaded files. */
  entry: Type1UkiEntry;
  /** The UKI's download. */
  file: FetchedFile;
  /** Closes every download of the entry: the UKI's and its extras'. */
  close(): void;
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
  const files = [file];
  const close = () => files.forEach((f) => f.close());
  try {
    const uki = await asUkiEntry(sys, entry, file);
    const extras = await fetchExtras(sys, entry.extras ?? [], files);
    const { addons, mismatched } = applicableAddons(extras.addons, uki.image.uname);
    for (const m of mismatched)
      sys.log.warn(`Ignoring add-on "${m.addon.loaderPath}": its .uname "${m.addon.uname ?? ""}" does not match "${uki.image.uname}"`);
    return { entry: { ...uki, addons, companions: extras.companions }, file, close };
  } catch (e) {
    close();
    throw e;
  }
}

/** The kind of an extra by its name, as the stub tells them apart; undefined for others. */
function extraKind(name: string): "addon" | CompanionFileKind | undefined {
  const n = name.toLowerCase();
  if (n.endsWith(ADDON_SUFFIX)) return "addon";
  if (n.endsWith(".cred")) return "credentials";
  if (n.endsWith(".sysext.raw")) return "sysext";
  if (n.endsWith(".confext.raw")) return "confext";
  return undefined;
}

/**
 * Fetches the extras a boot index lists with the UKI (docs/network.md §5): add-ons are read as the stub reads
 * them and verified with the UKI later; credentials and extensions go into the initrd as the stub packs them.
 * One that cannot be fetched or used is left out with a warning, as the stub skips a file it cannot read.
 * Global ones (from the served loader/ directories) come before the UKI's own `.extra.d`, each group by name.
 */
async function fetchExtras(sys: Sys, urls: readonly string[], files: FetchedFile[]): Promise<{ addons: LoadedAddon[]; companions: CompanionFile[] }> {
  const addons: LoadedAddon[] = [];
  const companions: CompanionFile[] = [];
  const arch = efiArchOfNodeArch(process.arch) ?? "x64";
  const byScopeAndName = (u: string) => `${new URL(u).pathname.includes(".extra.d/") ? 1 : 0}${lastName(u)}`;
  for (const url of [...urls].sort((a, b) => (byScopeAndName(a) < byScopeAndName(b) ? -1 : 1))) {
    const fileName = lastName(url);
    const kind = extraKind(fileName);
    if (!kind) {
      sys.log.warn(`Ignoring the extra "${url}": only .addon.efi, .cred, .sysext.raw and .confext.raw files are extras`);
      continue;
    }
    const scope = new URL(url).pathname.includes(".extra.d/") ? "local" : "global";
    let got: FetchedFile | undefined;
    try {
      got = await downloadWithRetries(sys, url);
      files.push(got);
      if (kind === "addon") addons.push(await readAddon(sys.fs, { path: got.path, loaderPath: url, fileName, scope, arch }));
      else companions.push({ kind, scope, fileName, path: got.path, loaderPath: url, size: got.bytes });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      sys.log.warn(`Ignoring the extra "${url}": ${got ? why.replaceAll(got.path, url) : why}`);
    }
  }
  // The stub's order: by kind, the UKI's own before the global ones (src/bls/companion-scan.ts).
  const kinds: CompanionFileKind[] = ["credentials", "sysext", "confext"];
  const ordered = kinds.flatMap((k) => [
    ...companions.filter((c) => c.kind === k && c.scope === "local"),
    ...companions.filter((c) => c.kind === k && c.scope === "global"),
  ]);
  return { addons, companions: ordered };
}

function lastName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split("/").filter(Boolean).at(-1) ?? "");
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
