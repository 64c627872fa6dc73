/**
 * Which shipped modules the machine's hardware needs, as udev and kmod decide it: a device's `modalias`
 * (from /sys/bus/<bus>/devices/<device>/modalias) against the `alias PATTERN MODULE` lines of depmod's
 * `modules.alias`, with fnmatch(3)'s `*`, `?` and `[…]` (docs/boot-time.md §4).
 */

export interface ModuleAlias {
  readonly pattern: string;
  /** As /sys/module names it: '-' as '_'. */
  readonly module: string;
}

/** Parses modules.alias (`alias PATTERN MODULE` per line; comments and other lines are skipped). */
export function parseModulesAlias(text: string): ModuleAlias[] {
  const out: ModuleAlias[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 3 || f[0] !== "alias") continue;
    out.push({ pattern: f[1]!, module: f[2]!.replaceAll("-", "_") });
  }
  return out;
}

/**
 * Whether an alias names devices (`pci:…`, `virtio:…`, `acpi*:…`, `scsi:…`) rather than a filesystem, a device
 * node or a name (`fs-vfat`, `devname:…`, `char-major-…`), which no device's modalias can match.
 */
export function isDeviceAlias(pattern: string): boolean {
  return /^[a-z0-9_]+\*?:/i.test(pattern) && !pattern.startsWith("devname:");
}

const compiled = new Map<string, RegExp>();

/** fnmatch(pattern, text, 0), as kmod matches aliases: `*` any run, `?` one character, `[…]`/`[!…]` a class. */
export function aliasMatches(pattern: string, text: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    let src = "";
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i]!;
      if (c === "*") src += "[\\s\\S]*";
      else if (c === "?") src += "[\\s\\S]";
      else if (c === "[") {
        const end = pattern.indexOf("]", i + 2);
        if (end < 0) src += "\\[";
        else {
          let body = pattern.slice(i + 1, end);
          const negate = body.startsWith("!");
          if (negate) body = body.slice(1);
          src += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
          i = end;
        }
      } else src += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
    }
    re = new RegExp(`^${src}$`);
    compiled.set(pattern, re);
  }
  return re.test(text);
}

/**
 * The shipped modules to load for these devices: each module with a device alias that matches one of
 * `modaliases`, and each module with no device alias at all (filesystems, code pages, efivarfs) unless another
 * shipped module depends on it (then it comes with that one). `shipped` are module names; the result keeps
 * their order.
 */
export function modulesForDevices(
  shipped: readonly string[],
  dependencies: ReadonlySet<string>,
  aliases: readonly ModuleAlias[],
  modaliases: readonly string[],
): string[] {
  const deviceAliases = new Map<string, string[]>();
  for (const a of aliases) {
    if (!isDeviceAlias(a.pattern)) continue;
    const list = deviceAliases.get(a.module) ?? [];
    list.push(a.pattern);
    deviceAliases.set(a.module, list);
  }
  return shipped.filter((m) => {
    const patterns = deviceAliases.get(m);
    if (!patterns) return !dependencies.has(m);
    return patterns.some((p) => modaliases.some((d) => aliasMatches(p, d)));
  });
}
