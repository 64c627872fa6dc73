/** The lock two test processes take around one cache entry: one builds, the other waits, a dead owner's lock is taken over. */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withDirLock, withDirLockSync } from "../../../build/lib/dir-lock.ts";

const LOCK_MODULE = join(import.meta.dir, "../../../build/lib/dir-lock.ts");

describe("withDirLock()", () => {
  test("holds the lock while fn runs and removes it after, also when fn throws", async () => {
    const lock = join(mkdtempSync(join(tmpdir(), "lock-")), "x.lock");
    expect(await withDirLock(lock, "x", async () => existsSync(lock))).toBe(true);
    expect(existsSync(lock)).toBe(false);
    await expect(withDirLock(lock, "x", async () => Promise.reject(new Error("build failed")))).rejects.toThrow("build failed");
    expect(existsSync(lock)).toBe(false);
  });

  test("waits while another live process holds it, and runs after that process let go", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lock-"));
    const lock = join(dir, "x.lock");
    const done = join(dir, "other-done");
    const other = Bun.spawn([
      process.execPath,
      "-e",
      `const { withDirLockSync } = await import(${JSON.stringify(LOCK_MODULE)}); withDirLockSync(${JSON.stringify(lock)}, "x", () => { Bun.sleepSync(800); require("node:fs").writeFileSync(${JSON.stringify(done)}, "1"); });`,
    ]);
    while (!existsSync(join(lock, "owner")) && other.exitCode === null) await Bun.sleep(20);
    const sawOthersResult = await withDirLock(lock, "x", async () => existsSync(done));
    expect(await other.exited).toBe(0);
    expect(sawOthersResult).toBe(true);
  });

  test("a lock whose owner died is taken over", () => {
    const lock = join(mkdtempSync(join(tmpdir(), "lock-")), "x.lock");
    const dead = Bun.spawnSync([process.execPath, "-e", "console.log(process.pid)"]);
    mkdirSync(lock);
    writeFileSync(join(lock, "owner"), String(Number(dead.stdout.toString())));
    expect(withDirLockSync(lock, "x", () => "ran")).toBe("ran");
  });
});
