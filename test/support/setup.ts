// bun test preload: a fixed environment so output does not depend on the machine running the tests.
// (Deadlines: npm test passes --timeout, because setDefaultTimeout() here would reach the first file only,
// and many tests build their fixtures with the real tools the first time they run on a fresh clone.)
import { afterAll } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

process.env.TZ = "UTC";
process.env.NO_COLOR = "1";

// Every scratch directory a test makes (mkdtemp under os.tmpdir(), by the test or by a tool it runs) lands in
// one directory per run, removed when the run ends: tests that keep their disk copies for a failure's
// post-mortem, or that die halfway, no longer fill /tmp run after run (a CI run failed on a full disk).
const scratchRoot = mkdtempSync(join(tmpdir(), "ukiboot-test-"));
process.env.TMPDIR = scratchRoot;

afterAll(() => {
  // A mount left under it (a test's private namespaces end with their processes, so there should be none)
  // would have its contents removed with it: keep the directory and say so instead.
  const mounted = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4] ?? "")
    .filter((point) => point === scratchRoot || point.startsWith(`${scratchRoot}/`));
  if (mounted.length > 0) {
    console.error(`ukiboot tests: left ${scratchRoot} in place: ${mounted.join(", ")} is still mounted there; unmount it and remove the directory`);
    return;
  }
  rmSync(scratchRoot, { recursive: true, force: true });
});
