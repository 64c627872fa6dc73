/**
 * The boundaries of the design, checked on the import specifiers of every source file: only
 * src/sys/linux/libc.ts touches bun:ffi; the pure core touches no filesystem, process or syscall;
 * ui/ sees neither src/sys nor src/flow; src/ never imports build/ or test/.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { REPO_ROOT } from "../../build/debian.ts";

function files(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|tsx)$/.test(n)) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g)].map((m) => (m[1] ?? m[2])!);
}

const src = files(join(REPO_ROOT, "src")).map((f) => relative(REPO_ROOT, f));
const ui = files(join(REPO_ROOT, "ui")).map((f) => relative(REPO_ROOT, f));
const EFFECTS = /^(bun:ffi|node:fs|node:fs\/promises|node:child_process|node:net|fs|child_process)$/;
/** Files allowed to perform effects: the sys layer, and the CLI wiring (src/cli, main.ts) that assembles it. */
const isEffectLayer = (f: string) => f.startsWith("src/sys/linux/") || f.startsWith("src/cli/") || f === "src/main.ts";

test("only src/sys/linux/libc.ts imports bun:ffi", () => {
  const users = [...src, ...ui].filter((f) => imports(join(REPO_ROOT, f)).includes("bun:ffi"));
  expect(users).toEqual(["src/sys/linux/libc.ts"]);
});

test("the pure core imports no filesystem, process or syscall module", () => {
  const offenders = src.filter((f) => !isEffectLayer(f)).flatMap((f) => imports(join(REPO_ROOT, f)).filter((i) => EFFECTS.test(i)).map((i) => `${f} imports ${i}`));
  expect(offenders).toEqual([]);
});

test("only the CLI wiring imports src/sys/linux", () => {
  const offenders = src
    .filter((f) => !isEffectLayer(f))
    .flatMap((f) => imports(join(REPO_ROOT, f)).filter((i) => i.includes("/sys/linux/")).map((i) => `${f} imports ${i}`));
  expect(offenders).toEqual([]);
});

test("ui/ imports neither src/sys nor src/flow", () => {
  const offenders = ui.flatMap((f) => imports(join(REPO_ROOT, f)).filter((i) => /src\/(sys|flow)\//.test(i) || EFFECTS.test(i)).map((i) => `${f} imports ${i}`));
  expect(offenders).toEqual([]);
});

test("src/ never imports build/ or test/", () => {
  const offenders = src.flatMap((f) => imports(join(REPO_ROOT, f)).filter((i) => /(^|\/)(build|test)\//.test(i)).map((i) => `${f} imports ${i}`));
  expect(offenders).toEqual([]);
});
