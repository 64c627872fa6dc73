/**
 * Kernel module dependency order from `modules.dep` (depmod's text format: `path: dep dep …`), used by the
 * build to choose which modules go into the initramfs and by `ukiboot init` to load them dependencies first.
 */

/** Module name as the kernel reports it in /sys/module: file name without .ko[.xz|.zst|.gz], '-' as '_'. */
export function moduleName(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return base.replace(/\.ko(\.(xz|zst|gz))?$/, "").replaceAll("-", "_");
}

/** Parses modules.dep into a map from module path (relative to lib/modules/<version>) to its direct dependencies. */
export function parseModulesDep(text: string): Map<string, string[]> {
  const deps = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const path = line.slice(0, colon).trim();
    const rest = line.slice(colon + 1).trim();
    deps.set(path, rest === "" ? [] : rest.split(/\s+/));
  }
  return deps;
}

/**
 * The paths of `wanted` modules (by name) and everything they depend on, dependencies before dependents,
 * in a stable order. Names not in the map are returned in `missing` (usually: built into the kernel).
 */
export function resolveModuleOrder(deps: Map<string, string[]>, wanted: string[]): { order: string[]; missing: string[] } {
  const byName = new Map<string, string>();
  for (const p of deps.keys()) byName.set(moduleName(p), p);
  const order: string[] = [];
  const seen = new Set<string>();
  const missing: string[] = [];
  const visit = (path: string, stack: Set<string>) => {
    if (seen.has(path) || stack.has(path)) return;
    stack.add(path);
    for (const d of deps.get(path) ?? []) visit(d, stack);
    stack.delete(path);
    seen.add(path);
    order.push(path);
  };
  for (const w of wanted) {
    const p = byName.get(w.replaceAll("-", "_"));
    if (p === undefined) missing.push(w);
    else visit(p, new Set());
  }
  return { order, missing };
}
