/**
 * The one golden-file helper: compares text with a reviewed file under test/. `UPDATE_GOLDEN=1` writes the
 * file instead, for a person to read and review before committing; it is refused when CI is set, so a CI
 * run can never pass by writing what it checks. A missing golden file fails.
 */
import { expect } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Whether this run writes golden files; throws under CI, where a write would make the check pass by itself. */
export function updatingGolden(env: Record<string, string | undefined> = process.env): boolean {
  if (env.UPDATE_GOLDEN !== "1") return false;
  if (env.CI) throw new Error("Refusing UPDATE_GOLDEN=1 with CI set: golden files are written by a person and reviewed, never by the run that checks them");
  return true;
}

export function expectGoldenFile(file: string, text: string): void {
  if (updatingGolden()) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return;
  }
  if (!existsSync(file)) throw new Error(`Cannot compare with golden file "${file}": it does not exist; run with UPDATE_GOLDEN=1 and review it`);
  expect(text).toBe(readFileSync(file, "utf8"));
}
