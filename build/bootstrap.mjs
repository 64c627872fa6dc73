// Runs a Bun script from npm on a machine that may not have installed the dependencies yet:
// `npm start` and `npm test` must work on a fresh clone, so install first when bun is missing.
// Plain JavaScript for Node, because Bun itself comes from npm install.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bun = join(root, "node_modules", ".bin", "bun");
const runtime = join(root, "node_modules", "@oven", "bun-linux-x64-baseline", "bin", "bun");
if (!existsSync(bun) || !existsSync(runtime)) {
  console.error("ukiboot: installing the npm dependencies (npm install)");
  const r = spawnSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const [script, ...args] = process.argv.slice(2);
const r = spawnSync(bun, [join(root, script), ...args], { cwd: root, stdio: "inherit" });
process.exit(r.status ?? 1);
