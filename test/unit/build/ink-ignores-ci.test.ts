/**
 * Ink draws no frames when is-in-ci says "CI" (build/ink-ignores-ci.ts); the menu must draw anyway. These
 * run a module that prints is-in-ci's answer, with CI=1 in its environment, bundled with and without the
 * plugin, and from source through bunfig.toml's preload.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../../build/debian.ts";
import { inkIgnoresCi } from "../../../build/ink-ignores-ci.ts";

const dir = mkdtempSync(join(tmpdir(), "ukiboot-ci-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PROBE = 'import isInCi from "is-in-ci"; console.log(`isInCi=${isInCi}`);';

function runWithCi(args: string[], cwd: string): string {
  const p = Bun.spawnSync([process.execPath, ...args], { cwd, env: { ...process.env, CI: "1" }, stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${args.join(" ")} failed: ${p.stderr.toString()}`);
  return p.stdout.toString().trim();
}

async function bundleProbe(withPlugin: boolean): Promise<string> {
  // Inside the repository (git-ignored test/.tmp/), so that "is-in-ci" resolves from its node_modules.
  const tmp = join(REPO_ROOT, "test", ".tmp");
  mkdirSync(tmp, { recursive: true });
  const entry = join(tmp, `ci-probe-${process.pid}.ts`);
  writeFileSync(entry, PROBE);
  try {
    const out = await Bun.build({ entrypoints: [entry], target: "bun", plugins: withPlugin ? [inkIgnoresCi] : [] });
    if (!out.success) throw new Error(out.logs.map(String).join("\n"));
    const file = join(dir, `probe-${withPlugin}.js`);
    writeFileSync(file, await out.outputs[0]!.text());
    return file;
  } finally {
    rmSync(entry, { force: true });
  }
}

test("without the plugin, is-in-ci says CI when CI=1 (what hid the menu)", async () => {
  expect(runWithCi([await bundleProbe(false)], dir)).toBe("isInCi=true");
});

test("bundled with the plugin, as in dist/ukiboot, is-in-ci says no CI even with CI=1", async () => {
  expect(runWithCi([await bundleProbe(true)], dir)).toBe("isInCi=false");
});

test("run from source in the repository, bunfig.toml's preload gives the same answer", () => {
  expect(runWithCi(["-e", PROBE], REPO_ROOT)).toBe("isInCi=false");
});
