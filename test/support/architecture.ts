/**
 * The rules of the design, checked on the import statements of src/ and ui/ under a root directory (the
 * repository, or a copy with a violation planted in it):
 * - the folders of src/ form layers, and a file imports only from its own folder or from lower layers;
 * - no two files import each other, directly or through others (no cycles);
 * - only the composition root (src/main.ts) imports the Linux implementation (src/linux/);
 * - only src/linux/libc.ts imports bun:ffi, and only src/linux/ and src/main.ts import effect modules;
 * - ui/ imports only ui/, the ports (src/ports/) and the error types (src/errors.ts), and its folders form
 *   layers too;
 * - src/ never imports build/ or test/.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** The layers of src/, lowest first. A folder (or top-level file) imports only its own folder and lower layers. */
export const LAYERS: readonly (readonly string[])[] = [
  ["errors.ts", "version.ts", "build-flags.ts"],
  ["bytes"],
  ["cmdline", "efi", "kernel-image", "kexec-segments", "kernel-modules", "disk", "initrd", "trust", "tpm", "totp", "net", "splash", "console"],
  ["ports"],
  ["linux"],
  ["pe"],
  ["model"],
  ["bls"],
  ["plan", "kdump", "install"],
  ["report"],
  ["flow"],
  ["cli"],
  ["main.ts"],
];

/**
 * The layers of ui/, lowest first: theme, clock, text and key handling; the menu's rows; the lines of its
 * views; the state and its reducer; the frame's lines and their plain painter; the Ink components; and the
 * files that run the menu.
 */
export const UI_LAYERS: readonly (readonly string[])[] = [
  ["theme.ts", "clock.ts", "text", "input"],
  ["model"],
  ["views"],
  ["state"],
  ["frame"],
  ["components"],
  [
    "run-menu.tsx",
    "run-progress.tsx",
    "hidden-key.ts",
    "terminal-chooser.ts",
    "terminal-output.ts",
    "terminal-setup.ts",
    "first-frame.ts",
    "deferred-progress.ts",
    "line-progress.ts",
  ],
];

const EFFECTS = /^(bun:ffi|node:fs|node:fs\/promises|node:child_process|node:net|node:tty|fs|child_process|tty)$/;

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|tsx)$/.test(n) && !n.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

export interface SourceTree {
  root: string;
  /** Repo-relative paths of every source file of src/ and ui/. */
  files: string[];
  /** Per file, what it imports: repo-relative paths for relative imports, the specifier otherwise. */
  imports: Map<string, string[]>;
}

export function readSourceTree(root: string): SourceTree {
  const all = [...files(join(root, "src")), ...files(join(root, "ui"))].map((f) => relative(root, f));
  const imports = new Map<string, string[]>();
  for (const f of all) {
    const text = readFileSync(join(root, f), "utf8");
    const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g)].map((m) => (m[1] ?? m[2])!);
    imports.set(
      f,
      specs.map((s) => (s.startsWith(".") ? relative(root, resolve(root, dirname(f), s)) : s)),
    );
  }
  return { root, files: all, imports };
}

/** The layer unit of a src/ file: its top folder, or the file itself at the top of src/. */
/** The top folder (or top-level file) of `file` under `root` ("src" or "ui"). */
function unitOf(file: string, root: "src" | "ui"): string | undefined {
  if (!file.startsWith(`${root}/`)) return undefined;
  return file.slice(root.length + 1).split("/")[0];
}

function layerOf(unit: string, layers: readonly (readonly string[])[]): number {
  return layers.findIndex((l) => l.includes(unit));
}

/** The layer rule for a file of `root` importing `i`; undefined when it holds. */
function layerViolation(f: string, i: string, root: "src" | "ui", layers: readonly (readonly string[])[]): string | undefined {
  const from = unitOf(f, root);
  const to = unitOf(i, root);
  if (!from || !to || from === to) return undefined;
  const a = layerOf(from, layers);
  const b = layerOf(to, layers);
  if (a < 0) return `${f} is in ${root}/${from}, which is in no layer of the architecture`;
  if (b < 0) return `${f} imports ${i}, in ${root}/${to}, which is in no layer of the architecture`;
  if (b > a) return `${f} imports ${i}: ${root}/${to} is not below ${root}/${from} in the layer order`;
  if (b === a && root === "src") return `${f} imports ${i}: src/${to} is not below src/${from} in the layer order`;
  return undefined;
}

/** Every cycle of imports between files, each as the files of one strongly connected component. */
export function importCycles(tree: SourceTree): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of tree.imports.get(v) ?? []) {
      if (!tree.imports.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (tree.imports.get(v) ?? []).includes(v)) cycles.push(scc.sort());
    }
  };
  for (const f of tree.files) if (!index.has(f)) visit(f);
  return cycles;
}

/** Every broken rule, one sentence each; empty when the design holds. */
export function architectureViolations(tree: SourceTree): string[] {
  const out: string[] = [];
  for (const f of tree.files) {
    for (const i of tree.imports.get(f) ?? []) {
      if (f.startsWith("src/")) {
        if (/^(build|test)\//.test(i)) out.push(`${f} imports ${i}: src/ never imports build/ or test/`);
        if (i === "bun:ffi" && f !== "src/linux/libc.ts") out.push(`${f} imports bun:ffi: only src/linux/libc.ts calls the kernel through it`);
        if (EFFECTS.test(i) && !f.startsWith("src/linux/") && f !== "src/main.ts")
          out.push(`${f} imports ${i}: only the effect layer (src/linux/) and the composition root touch the machine`);
        if (i.startsWith("src/linux/") && !f.startsWith("src/linux/") && f !== "src/main.ts")
          out.push(`${f} imports ${i}: only the composition root (src/main.ts) imports the Linux implementation`);
        if (i.startsWith("ui/") && f !== "src/main.ts") out.push(`${f} imports ${i}: only the composition root wires in the menu`);
        const layered = layerViolation(f, i, "src", LAYERS);
        if (layered) out.push(layered);
      } else if (f.startsWith("ui/")) {
        const allowed = i.startsWith("ui/") || i.startsWith("src/ports/") || i === "src/errors.ts" || !/^(src|build|test)\//.test(i);
        if (!allowed) out.push(`${f} imports ${i}: ui/ imports only the ports (src/ports/) and the error types (src/errors.ts)`);
        if (EFFECTS.test(i)) out.push(`${f} imports ${i}: the menu only returns decisions and touches nothing`);
        const layered = layerViolation(f, i, "ui", UI_LAYERS);
        if (layered) out.push(layered);
      }
    }
  }
  for (const c of importCycles(tree)) out.push(`import cycle: ${c.join(" → ")}`);
  return out;
}
