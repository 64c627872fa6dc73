/**
 * `\loader\loader.conf` (docs/order-and-default.md §3): systemd-boot's keys with their value types. Unknown
 * keys and invalid values are reported and ignored; the rest of the file still applies.
 */
import { DEFAULT_LOADER_CONFIG, type LoaderConfig, type LoaderTimeout } from "../model/loader-config.ts";
import type { Problem } from "../model/problem.ts";
import { parseBoolean, parseKeyValueText, parseUnsigned, type KeyValueLine } from "./key-value.ts";

/** systemd's TIMEOUT_TYPE_MAX: a timeout is a u32. */
const TIMEOUT_MAX = 0xffff_ffffn;

const BOOLEAN_KEYS = {
  editor: "editor",
  "auto-entries": "autoEntries",
  "auto-firmware": "autoFirmware",
  "auto-poweroff": "autoPoweroff",
  "auto-reboot": "autoReboot",
  beep: "beep",
  "reboot-for-bitlocker": "rebootForBitlocker",
} as const satisfies Record<string, keyof LoaderConfig>;

/** Keys that are parsed and kept in `other` but change nothing in ukiboot (docs/order-and-default.md §3, docs/kexec.md §1). */
const KEPT_KEYS = new Set([
  "console-mode",
  "log-level",
  "random-seed-mode",
  "secure-boot-enroll",
  "secure-boot-enroll-action",
  "secure-boot-enroll-timeout-sec",
]);

export interface ParsedLoaderConf {
  config: LoaderConfig;
  problems: Problem[];
}

/**
 * Parses loader.conf text. `source` names the file in problems.
 * @example parseLoaderConf("default fedora-*\ntimeout 5\n", { source: "/efi/loader/loader.conf" }).config.timeout // 5
 */
export function parseLoaderConf(text: string, opts: { source: string }): ParsedLoaderConf {
  const config: LoaderConfig = { ...DEFAULT_LOADER_CONFIG, other: {} };
  const problems: Problem[] = [];
  const warn = (line: number, message: string) => problems.push({ file: opts.source, line, message, severity: "warning" });
  const { lines, skipped } = parseKeyValueText(text, " \t");
  for (const s of skipped) warn(s.line, `Ignoring "${s.text}": ${s.reason}`);
  const applied = new Map<string, KeyValueLine>();
  for (const l of lines) {
    const invalid = (what: string) => warn(l.line, `Ignoring "${l.key} ${l.value}": ${what}`);
    const { key, value } = l;
    if (key in BOOLEAN_KEYS) {
      const b = parseBoolean(value);
      if (b === undefined) {
        invalid("the value is not a boolean (yes/no, true/false, on/off, 1/0)");
        continue;
      }
      config[BOOLEAN_KEYS[key as keyof typeof BOOLEAN_KEYS]] = b;
    } else if (key === "timeout") {
      const t = parseTimeout(value);
      if (t === undefined) {
        invalid("the value is not a number of seconds up to 4294967295, menu-force, menu-hidden or menu-disabled");
        continue;
      }
      config.timeout = t;
    } else if (key === "default") {
      // Ids never start with "@", so "@…" can only be the one keyword systemd-boot knows.
      if (value.startsWith("@")) {
        if (value.toLowerCase() !== "@saved") {
          invalid('"@saved" is the only value that may start with "@"');
          continue;
        }
        config.default = "@saved";
      } else config.default = value;
    } else if (key === "preferred") {
      config.preferred = value;
    } else if (key === "reboot-on-error") {
      const b = value === "auto" ? "auto" : parseBoolean(value);
      if (b === undefined) {
        invalid("the value is not auto or a boolean");
        continue;
      }
      config.rebootOnError = b;
    } else if (KEPT_KEYS.has(key)) {
      config.other[key] = value;
    } else {
      warn(l.line, `Ignoring "${key} ${value}": "${key}" is not a loader.conf key`);
      continue;
    }
    const earlier = applied.get(key);
    if (earlier) warn(earlier.line, `Ignoring "${earlier.key} ${earlier.value}": "${key}" is set again on line ${l.line}`);
    applied.set(key, l);
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { config, problems };
}

function parseTimeout(value: string): LoaderTimeout | undefined {
  if (value === "menu-force" || value === "menu-hidden" || value === "menu-disabled") return value;
  const n = parseUnsigned(value);
  if (n === undefined || n > TIMEOUT_MAX) return undefined;
  return Number(n);
}
