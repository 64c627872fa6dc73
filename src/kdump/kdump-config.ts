/**
 * /etc/ukiboot/kdump.conf (docs/kdump.md §4): how `ukiboot kdump` makes a crash kernel out of an entry. The
 * line grammar is loader.conf's. Every key is optional; a missing file means the defaults.
 *
 *   append WORDS…   options for the crash kernel (repeatable; the first replaces the defaults; "none" empties)
 *   remove NAMES…   option names dropped from the entry's line (repeatable, the same way)
 *   initrd PATH     a kdump initrd to use instead of the entry's own; %k is the UKI's kernel version
 *   entry ID        the entry to take the crash kernel from, instead of the one the system booted
 */
import { BootError } from "../errors.ts";
import { parseKeyValueText } from "../bls/key-value.ts";
import { DEFAULT_KDUMP_APPEND, DEFAULT_KDUMP_REMOVE } from "./crash-cmdline.ts";

export const KDUMP_CONFIG_PATH = "/etc/ukiboot/kdump.conf";

export interface KdumpConfig {
  append: readonly string[];
  remove: readonly string[];
  initrd?: string;
  entry?: string;
}

/** The configuration in `text` (read from `file`), and a sentence naming file and line for each line not used. */
export function parseKdumpConfig(text: string, file: string): { config: KdumpConfig; problems: string[] } {
  const parsed = parseKeyValueText(text, " \t");
  const found: { line: number; text: string }[] = parsed.skipped.map((s) => ({ line: s.line, text: `skipped: ${s.reason}` }));
  let append: string[] | undefined;
  let remove: string[] | undefined;
  const config: { initrd?: string; entry?: string } = {};
  const words = (v: string) => (v === "none" ? [] : v.split(/\s+/).filter(Boolean));
  for (const { key, value, line } of parsed.lines) {
    if (key === "append") append = [...(append ?? []), ...words(value)];
    else if (key === "remove") remove = [...(remove ?? []), ...words(value)];
    else if (key === "entry") config.entry = value;
    else if (key === "initrd") {
      if (value.startsWith("/")) config.initrd = value;
      else found.push({ line, text: `initrd "${value}" ignored: it must be an absolute path` });
    } else found.push({ line, text: `unknown key "${key}" ignored; the keys are append, remove, initrd and entry` });
  }
  const problems = found.sort((a, b) => a.line - b.line).map((p) => `${file}:${p.line}: ${p.text}`);
  return { config: { append: append ?? DEFAULT_KDUMP_APPEND, remove: remove ?? DEFAULT_KDUMP_REMOVE, ...config }, problems };
}

/**
 * The kdump initrd's path for a UKI of kernel version `uname`: %k replaced.
 * @throws BootError when the path needs a version the entry does not give
 */
export function kdumpInitrdPath(pattern: string, uname: string | undefined): string {
  if (!pattern.includes("%k")) return pattern;
  if (uname === undefined) {
    throw new BootError(
      `Cannot name the kdump initrd "${pattern}": the entry has no .uname to put in place of %k`,
      `Give the initrd's full path with --initrd, or in ${KDUMP_CONFIG_PATH}`,
    );
  }
  return pattern.replaceAll("%k", uname);
}
