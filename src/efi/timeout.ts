/**
 * Menu timeout resolution (docs/order-and-default.md §4): loader.conf, then LoaderConfigTimeout, then
 * ukiboot.timeout= from the boot kernel's command line, then LoaderConfigTimeoutOneShot, each replacing
 * the previous; the one-shot value always forces the menu.
 */

/** Seconds (0 = hidden menu) or one of systemd's words. */
export type MenuTimeout = number | "menu-force" | "menu-hidden" | "menu-disabled";

/** The largest number of seconds (2^32-3); larger values saturate, as systemd-boot's parser does. */
export const TIMEOUT_MAX = 0xffff_fffd;

/** A timeout as written in loader.conf, a variable or the kernel command line; undefined when invalid. */
export function parseTimeout(text: string): MenuTimeout | undefined {
  const t = text.trim();
  if (t === "menu-force" || t === "menu-hidden" || t === "menu-disabled") return t;
  if (!/^[0-9]+$/.test(t)) return undefined;
  const n = Number(t);
  return Math.min(n, TIMEOUT_MAX);
}

export interface TimeoutInputs {
  loaderConf?: MenuTimeout;
  /** LoaderConfigTimeout, decoded. */
  efiVar?: string;
  /** ukiboot.timeout= */
  kernelOption?: string;
  /** LoaderConfigTimeoutOneShot, decoded (the caller deletes it after reading). */
  oneShotVar?: string;
}

export interface ResolvedTimeout {
  timeout: MenuTimeout;
  /** Show the menu even with timeout 0 (one-shot timeout, or menu-force). */
  forceMenu: boolean;
  /** Where the value came from, for `ukiboot list` and the log. */
  source: "default" | "loader.conf" | "LoaderConfigTimeout" | "ukiboot.timeout" | "LoaderConfigTimeoutOneShot";
  /** Values that were present but invalid, with where they came from. */
  ignored: string[];
}

export function resolveTimeout(i: TimeoutInputs): ResolvedTimeout {
  const r: ResolvedTimeout = { timeout: 0, forceMenu: false, source: "default", ignored: [] };
  if (i.loaderConf !== undefined) {
    r.timeout = i.loaderConf;
    r.source = "loader.conf";
  }
  const step = (text: string | undefined, source: ResolvedTimeout["source"]) => {
    if (text === undefined) return;
    const v = parseTimeout(text);
    if (v === undefined) {
      r.ignored.push(`${source}="${text}"`);
      return;
    }
    r.timeout = v;
    r.source = source;
  };
  step(i.efiVar, "LoaderConfigTimeout");
  step(i.kernelOption, "ukiboot.timeout");
  if (i.oneShotVar !== undefined) {
    step(i.oneShotVar, "LoaderConfigTimeoutOneShot");
    if (r.source === "LoaderConfigTimeoutOneShot") r.forceMenu = true;
  }
  if (r.timeout === "menu-force") r.forceMenu = true;
  return r;
}

/** Whether the menu is shown at all (docs/order-and-default.md §4). menu-hidden and 0 still open it on a key press in the short window. */
export function showsMenu(t: ResolvedTimeout): boolean {
  return t.forceMenu || (t.timeout !== 0 && t.timeout !== "menu-hidden" && t.timeout !== "menu-disabled");
}
