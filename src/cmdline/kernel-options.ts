/**
 * `ukiboot.*` options on the boot kernel's command line (/proc/cmdline), read by `ukiboot init`.
 * Unknown ukiboot.* options are reported, never fatal: a typo must not stop a machine from booting.
 */

export interface KernelOptions {
  /** Seconds; overrides loader.conf's timeout. */
  timeout?: string;
  /** Entry id or glob, overrides the default once. */
  entry?: string;
  /** PARTUUID=…, PARTLABEL=…, LABEL=… or a device path. */
  esp?: string;
  /** Seconds to wait for the ESP to appear. */
  wait?: number;
  dryRun: boolean;
  debug: boolean;
  console?: string;
  verify?: string;
  /** ukiboot.url=: a UKI or a boot index to boot over the network (docs/network.md §2). */
  url?: string;
  /** ukiboot.net=, else the kernel's ip=: how the network is set up for a network boot (docs/network.md §4). */
  net?: string;
  /** Which of the two `net` came from, for messages. */
  netOption?: "ukiboot.net" | "ip";
  unknown: string[];
}

/**
 * Splits a kernel command line the way the kernel does: spaces separate, double quotes group.
 * `keepQuotes`: each word keeps its quotes, so that words can be joined back into a line that means the same.
 */
export function splitKernelCmdline(cmdline: string, opts: { keepQuotes?: boolean } = {}): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  let has = false;
  for (const ch of cmdline) {
    if (ch === '"') {
      quoted = !quoted;
      has = true;
      if (opts.keepQuotes) cur += ch;
    } else if (!quoted && /\s/.test(ch)) {
      if (has) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

export function parseKernelOptions(cmdline: string): KernelOptions {
  const o: KernelOptions = { dryRun: false, debug: false, unknown: [] };
  for (const word of splitKernelCmdline(cmdline)) {
    // The kernel's own ip= (Debian's kernel ignores it: no CONFIG_IP_PNP) says how ukiboot sets the network up,
    // unless ukiboot.net= says it; the last ip= wins, as in the kernel.
    if (word.startsWith("ip=") && o.netOption !== "ukiboot.net") {
      o.net = word.slice(3);
      o.netOption = "ip";
    }
    if (!word.startsWith("ukiboot.")) continue;
    const eq = word.indexOf("=");
    const key = (eq < 0 ? word : word.slice(0, eq)).slice("ukiboot.".length);
    const value = eq < 0 ? undefined : word.slice(eq + 1);
    switch (key) {
      case "timeout":
        if (value !== undefined) o.timeout = value;
        break;
      case "entry":
        if (value) o.entry = value;
        break;
      case "esp":
        if (value) o.esp = value;
        break;
      case "wait":
        if (value !== undefined && /^\d+(\.\d+)?$/.test(value)) o.wait = Number(value);
        else o.unknown.push(word);
        break;
      case "dry-run":
        o.dryRun = value === undefined || !["0", "no", "false", "off"].includes(value);
        break;
      case "debug":
        o.debug = value === undefined || !["0", "no", "false", "off"].includes(value);
        break;
      case "console":
        if (value) o.console = value;
        break;
      case "verify":
        if (value) o.verify = value;
        break;
      case "url":
        if (value) o.url = value;
        else o.unknown.push(word);
        break;
      case "net":
        if (value !== undefined) {
          o.net = value;
          o.netOption = "ukiboot.net";
        } else o.unknown.push(word);
        break;
      default:
        o.unknown.push(word);
    }
  }
  return o;
}
