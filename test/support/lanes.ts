/**
 * How npm test splits the QEMU scenario files over lanes that run at once: one TCG guest keeps one host core
 * busy, so two lanes fill this kind of machine. Files go, longest first, to the lane with the least time so
 * far (the recorded wall time of each file, test/e2e-times.json); without a record, in file order, taking
 * turns.
 */

/** Each file's last recorded wall time in seconds, by its path from the repository root. */
export type FileTimes = Record<string, number>;

export interface Lane {
  name: string;
  files: string[];
  /** The recorded seconds of its files added up (0 for files with no record). */
  expectedSeconds: number;
}

const LANE_NAMES = "abcdefgh";

export function planLanes(files: readonly string[], times: FileTimes | null, count = 2): Lane[] {
  const lanes: Lane[] = Array.from({ length: count }, (_, i) => ({ name: LANE_NAMES[i] ?? String(i), files: [], expectedSeconds: 0 }));
  if (!times) {
    files.forEach((f, i) => lanes[i % count]!.files.push(f));
    return lanes;
  }
  // A file with no record yet weighs as much as the average recorded file.
  const known = files.map((f) => times[f]).filter((t): t is number => t !== undefined);
  const fallback = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 60;
  const weight = (f: string) => times[f] ?? fallback;
  const order = [...files].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
  for (const f of order) {
    const lane = lanes.reduce((least, l) => (l.expectedSeconds < least.expectedSeconds ? l : least));
    lane.files.push(f);
    lane.expectedSeconds += weight(f);
  }
  for (const l of lanes) l.expectedSeconds = Math.round(l.files.reduce((s, f) => s + (times[f] ?? 0), 0));
  return lanes;
}

/** Reads the times file; null when there is none or it cannot be read (then planLanes uses file order). */
export function parseFileTimes(text: string | null): FileTimes | null {
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
    const out: FileTimes = {};
    for (const [k, s] of Object.entries(v)) if (typeof s === "number" && Number.isFinite(s) && s >= 0) out[k] = s;
    return out;
  } catch {
    return null;
  }
}

/** The counts bun test prints at its end; a run that crashed before them has none. */
export function bunTestCounts(output: string): { passed: number; failed: number; skipped: number; complete: boolean } {
  const num = (re: RegExp) => output.match(re)?.[1];
  const passed = num(/^\s*(\d+) pass$/m);
  const failed = num(/^\s*(\d+) fail$/m);
  const skipped = num(/^\s*(\d+) skip$/m);
  return { passed: Number(passed ?? 0), failed: Number(failed ?? 0), skipped: Number(skipped ?? 0), complete: passed !== undefined || failed !== undefined };
}

/**
 * Each failed test in bun test's output, with the error printed before it (bun prints a test's error, then
 * its "(fail)" line). The summary lists them at the end, where a run's last lines are all a reader may see.
 */
export function bunTestFailures(output: string): string[] {
  const failures: string[] = [];
  let error: string | null = null;
  for (const raw of output.split("\n")) {
    const line = raw.trimEnd();
    if (/^\((pass|skip|todo)\) /.test(line)) error = null;
    else if (/^\(fail\) /.test(line)) {
      failures.push(error ? `${line}: ${error.length > 300 ? `${error.slice(0, 300)}…` : error}` : line);
      error = null;
    } else if (error === null && /^(error|\w*Error):? /.test(line.trimStart())) error = line.trim();
  }
  // An error outside any test (a crash before the counts) still names what happened.
  if (failures.length === 0 && error !== null && bunTestCounts(output).failed === 0 && !bunTestCounts(output).complete) failures.push(error);
  return failures;
}
