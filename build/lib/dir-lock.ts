/**
 * A lock between processes for a cache that two of them may fill at once (the QEMU scenarios run in two
 * lanes): an atomic mkdir, holding the owner's process id. A waiter polls; a lock whose owner died, or that
 * never got its owner's id, is taken over, so a crashed build never blocks the next run.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** How long a lock directory may stand without its owner's id before it counts as abandoned. */
const NO_OWNER_GRACE_MS = 10_000;
const POLL_MS = 250;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Tries once: true when this process now holds `lock`. Removes an abandoned lock and tries again. */
function tryTake(lock: string): boolean {
  try {
    mkdirSync(lock);
    writeFileSync(join(lock, "owner"), String(process.pid));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new Error(`Cannot take the lock ${lock}: ${(e as Error).message}`);
  }
  let owner: number | undefined;
  try {
    owner = Number(readFileSync(join(lock, "owner"), "utf8"));
  } catch {
    // Its owner may be between mkdir and writing its id.
  }
  let abandoned: boolean;
  if (owner) abandoned = owner !== process.pid && !alive(owner);
  else {
    try {
      abandoned = Date.now() - statSync(lock).mtimeMs > NO_OWNER_GRACE_MS;
    } catch {
      return tryTake(lock);
    }
  }
  if (!abandoned) return false;
  rmSync(lock, { recursive: true, force: true });
  return tryTake(lock);
}

function release(lock: string): void {
  rmSync(lock, { recursive: true, force: true });
}

/** Runs `fn` holding `lock` (a directory path), waiting while another live process holds it. */
export async function withDirLock<T>(lock: string, what: string, fn: () => Promise<T>): Promise<T> {
  let said = false;
  while (!tryTake(lock)) {
    if (!said) console.log(`waiting for another process that is building ${what} (lock ${lock})`);
    said = true;
    await Bun.sleep(POLL_MS);
  }
  try {
    return await fn();
  } finally {
    release(lock);
  }
}

/** withDirLock for callers that must stay synchronous. */
export function withDirLockSync<T>(lock: string, what: string, fn: () => T): T {
  let said = false;
  while (!tryTake(lock)) {
    if (!said) console.log(`waiting for another process that is building ${what} (lock ${lock})`);
    said = true;
    Bun.sleepSync(POLL_MS);
  }
  try {
    return fn();
  } finally {
    release(lock);
  }
}
