/**
 * Golden JSON files for discovery output (test/golden/bls/). Write them with UPDATE_GOLDEN=1, then read
 * the diff: a golden file is only as good as the person who checked it against the spec.
 */
import { expectGoldenFile } from "../../support/golden.ts";
import { resolve } from "node:path";

export const GOLDEN_DIR = resolve(import.meta.dir, "../../golden/bls");

/** Replaces host paths by stable placeholders, so golden files do not depend on where the tree is. */
export function relativise<T>(value: T, roots: Record<string, string>): T {
  let text = JSON.stringify(value);
  for (const [name, root] of Object.entries(roots).sort((a, b) => b[1].length - a[1].length)) text = text.replaceAll(root, `<${name}>`);
  return JSON.parse(text) as T;
}

export function expectGolden(name: string, value: unknown): void {
  expectGoldenFile(resolve(GOLDEN_DIR, `${name}.json`), `${JSON.stringify(value, null, 2)}\n`);
}
