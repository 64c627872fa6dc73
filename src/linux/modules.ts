/** Loading kernel modules with finit_module(2); compressed .ko.xz/.ko.zst are decompressed by the kernel. */
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SysCallError } from "../errors.ts";
import { modulesForDevices, parseModulesAlias } from "../kernel-modules/module-alias.ts";
import { moduleName, parseModulesDep, resolveModuleOrder } from "../kernel-modules/module-deps.ts";
import { parseProcModules } from "../kernel-modules/proc-modules.ts";
import { cString, sysCall } from "./libc.ts";
import { MODULE_INIT_COMPRESSED_FILE } from "./syscall-numbers.ts";

export function kernelRelease(): string {
  return readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
}

const PROC_MODULES = "/proc/modules";

/** The names /proc/modules lists; null when it cannot be read. @throws FormatError when it is not the kernel's format */
export function listLoadedModules(path = PROC_MODULES): string[] | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return null;
  }
  return parseProcModules(text, path);
}

export function isModuleLoaded(name: string): boolean {
  return existsSync(`/sys/module/${name}`);
}

/**
 * Loads one module file; an already loaded module (EEXIST) is not an error. `params` is the module's parameter
 * string; `async_probe` (known to every module) lets the kernel probe devices after finit_module returns.
 */
export function loadModuleFile(path: string, params = ""): "loaded" | "already-loaded" {
  const fd = openSync(path, "r");
  try {
    const compressed = /\.ko\.(xz|zst|gz)$/.test(path);
    sysCall("finit_module", [fd, cString(params), compressed ? MODULE_INIT_COMPRESSED_FILE : 0], {
      args: `"${path}", "${params}", ${compressed ? "MODULE_INIT_COMPRESSED_FILE" : "0"}`,
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

/** Every device's modalias (/sys/bus/<bus>/devices/<device>/modalias), as udev sees them at coldplug. */
/**
 * The devices on every bus, as one string of `bus/device` names: what changes when a device appears or goes.
 * Cheaper than presentModaliases (directory listings only), so a watch can ask it often and match aliases
 * only when it changed (docs/boot-time.md §4).
 */
export function deviceListing(sysBus = "/sys/bus"): string {
  let buses: string[] = [];
  try {
    buses = readdirSync(sysBus);
  } catch {
    return "";
  }
  const names: string[] = [];
  for (const bus of buses) {
    try {
      for (const d of readdirSync(join(sysBus, bus, "devices"))) names.push(`${bus}/${d}`);
    } catch {
      // A bus without devices.
    }
  }
  return names.join("\n");
}

export function presentModaliases(sysBus = "/sys/bus"): string[] {
  const out: string[] = [];
  let buses: string[] = [];
  try {
    buses = readdirSync(sysBus);
  } catch {
    return out;
  }
  for (const bus of buses) {
    let devices: string[] = [];
    try {
      devices = readdirSync(join(sysBus, bus, "devices"));
    } catch {
      continue;
    }
    for (const d of devices) {
      try {
        const m = readFileSync(join(sysBus, bus, "devices", d, "modalias"), "utf8").trim();
        if (m) out.push(m);
      } catch {
        // Many devices have no modalias.
      }
    }
  }
  return out;
}

/** At most this many passes: each loaded driver can bring up devices (a controller's disks) that need another. */
const MAX_PASSES = 4;

/**
 * Loads the modules listed in `<dir>/<list>` that the present hardware needs (docs/boot-time.md §4): a driver
 * only when a device's modalias matches one of its aliases in `<dir>/modules.alias`, filesystems and code pages
 * always, dependencies first, skipping those the kernel already has. Called again, it loads what devices that
 * appeared since need (pass the same `attempted` set). Without modules.alias (an image built before it was shipped) every listed module loads.
 * A failing module is reported, not fatal: the ESP may still be readable through built-in drivers.
 * `asyncProbe`: the kernel probes the devices in the background (a SATA controller's empty ports take most of
 * a second to give up on); the wait for the ESP then sees its disk when it appears (docs/boot-time.md §4).
 */
export function loadAllModules(
  dir = `/lib/modules/${kernelRelease()}`,
  list = "modules.dep",
  attempted = new Set<string>(),
  opts: { asyncProbe?: boolean } = {},
): ModuleLoadReport {
  const report: ModuleLoadReport = { loaded: [], skipped: [], failed: [] };
  const depFile = join(dir, list);
  if (!existsSync(depFile)) return report;
  const deps = parseModulesDep(readFileSync(depFile, "utf8"));
  const aliasFile = join(dir, "modules.alias");
  const aliases = existsSync(aliasFile) ? parseModulesAlias(readFileSync(aliasFile, "utf8")) : null;
  const shipped = [...deps.keys()].map(moduleName);
  const dependencies = new Set([...deps.values()].flat().map(moduleName));
  // A module tried once (loaded or failed) is not tried again when called for devices that appeared later.
  const tried = attempted;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const wanted = aliases ? modulesForDevices(shipped, dependencies, aliases, presentModaliases()) : shipped;
    const { order } = resolveModuleOrder(deps, wanted);
    const fresh = order.filter((rel) => !tried.has(rel));
    if (fresh.length === 0) break;
    let loadedAny = false;
    for (const rel of fresh) {
      tried.add(rel);
      const name = moduleName(rel);
      const path = join(dir, rel);
      if (isModuleLoaded(name) || !existsSync(path)) {
        report.skipped.push(name);
        continue;
      }
      try {
        const r = loadModuleFile(path, opts.asyncProbe ? "async_probe" : "");
        report[r === "loaded" ? "loaded" : "skipped"].push(name);
        loadedAny ||= r === "loaded";
      } catch (e) {
        report.failed.push({ path, error: e as Error });
      }
    }
    if (!loadedAny || !aliases) break;
  }
  return report;
}
