/**
 * `bun run bench [NAME…]`: runs the benchmarks in test/bench (all, or those whose file name contains NAME).
 * Each compares ukiboot against a reference measured in the same run and prints a Markdown table.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = import.meta.dir;
const wanted = Bun.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.startsWith("_"))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
let failed = 0;
for (const f of files) {
  console.log(`\n### ${f.replace(/\.ts$/, "")}\n`);
  const p = Bun.spawn([process.execPath, join(dir, f)], { stdout: "inherit", stderr: "inherit" });
  if ((await p.exited) !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
