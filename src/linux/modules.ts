/** Loading kernel modules with finit_module(2); compressed .ko.xz/.ko.zst are decompressed by the kernel. */
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SysCallError } from "../errors.ts";
import { moduleName, parseModulesDep, resolveModuleOrder } from "../kernel-modules/module-deps.ts";
import { cString, sysCall } from "./libc.ts";
import { MODULE_INIT_COMPRESSED_FILE } from "./syscall-numbers.ts";

export function kernelRelease(): string {
  return readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
}

export function isModuleLoaded(name: string): boolean {
  return existsSync(`/sys/module/${name}`);
}

/** Loads one module file; an already loaded module (EEXIST) is not an error. */
export function loadModuleFile(path: string): "loaded" | "already-loaded" {
  const fd = openSync(path, "r");
  try {
    const compressed = /\.ko\.(xz|zst|gz)$/.test(path);
    sysCall("finit_module", [fd, cString(""), compressed ? MODULE_INIT_COMPRESSED_FILE : 0], {
      args: `"${path}", "", ${compressed ? "MODULE_INIT_COMPRESSED_FILE" : "0"}`,
      action: `load the kernel module "${path}"`,
      hints: {
        ENOEXEC: "The module was built for another kernel: rebuild the initramfs with the modules of the running kernel",
        EINVAL: "The kernel cannot decompress this module (CONFIG_MODULE_DECOMPRESS): ship uncompressed modules",
        EPERM: "Loading modules is not permitted (no CAP_SYS_MODULE, or modules are locked down)",
        EKEYREJECTED: "The module's signature was rejected: use modules signed for this kernel",
      },
    });
    return "loaded";
  } catch (e) {
    if (e instanceof SysCallError && e.errnoName === "EEXIST") return "already-loaded";
    throw e;
  } finally {
    closeSync(fd);
  }
}

export interface ModuleLoadReport {
  loaded: string[];
  skipped: string[];
  failed: { path: string; error: Error }[];
}

/**
 * Loads every module listed in `<dir>/<list>` (the initramfs holds only the ones it needs; the network drivers
 * are listed apart, in modules.net.dep, and loaded only for a network boot), dependencies
 * first, skipping those the kernel already has. A failing module is reported, not fatal: the ESP may still be
 * readable through built-in drivers.
 */
export function loadAllModules(dir = `/lib/modules/${kernelRelease()}`, list = "modules.dep"): ModuleLoadReport {
  const report: ModuleLoadReport = { loaded: [], skipped: [], failed: [] };
  const depFile = join(dir, list);
  if (!existsSync(depFile)) return report;
  const deps = parseModulesDep(readFileSync(depFile, "utf8"));
  const { order } = resolveModuleOrder(deps, [...deps.keys()].map(moduleName));
  for (const rel of order) {
    const name = moduleName(rel);
    const path = join(dir, rel);
    if (isModuleLoaded(name) || !existsSync(path)) {
      report.skipped.push(name);
      continue;
    }
    try {
      report[loadModuleFile(path) === "loaded" ? "loaded" : "skipped"].push(name);
    } catch (e) {
      report.failed.push({ path, error: e as Error });
    }
  }
  return report;
}
