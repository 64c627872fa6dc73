/**
 * `ip=` and `ukiboot.net=` (docs/network.md §4): how the boot kernel's network is set up for a network boot.
 * The kernel's own form (`ip=CLIENT:SERVER:GATEWAY:NETMASK:HOST:DEVICE:AUTOCONF:DNS0:DNS1`, its short words
 * `dhcp`, `on`, `any`, `both`, `off`, `none`) and dracut's `IFACE:dhcp`. ukiboot does the setup itself; Debian's
 * kernel is built without CONFIG_IP_PNP, so the kernel leaves `ip=` alone.
 */

export type IpSetup =
  | { mode: "off" }
  | { mode: "dhcp"; device?: string }
  | { mode: "static"; address: string; prefixLength: number; gateway?: string; hostname?: string; device?: string; dns: string[] };

const HINT = "use dhcp, off, IFACE:dhcp or ADDRESS::GATEWAY:NETMASK:HOST:IFACE:off";
const DHCP_WORDS = new Set(["dhcp", "on", "any", "both", "bootp"]);
const OFF_WORDS = new Set(["off", "none"]);

function isIpv4(s: string): boolean {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** The prefix length of a netmask, dotted (`255.255.255.0`) or as bits (`24`); undefined when it is not one. */
export function netmaskPrefix(mask: string): number | undefined {
  if (/^\d{1,2}$/.test(mask)) return Number(mask) <= 32 ? Number(mask) : undefined;
  if (!isIpv4(mask)) return undefined;
  const bits = mask
    .split(".")
    .map((p) => Number(p).toString(2).padStart(8, "0"))
    .join("");
  if (!/^1*0*$/.test(bits)) return undefined;
  const zero = bits.indexOf("0");
  return zero < 0 ? 32 : zero;
}

/** The kernel's classful default when no netmask is given. */
function classPrefix(address: string): number {
  const first = Number(address.split(".")[0]);
  return first < 128 ? 8 : first < 192 ? 16 : 24;
}

/**
 * Parses one value.
 * @example parseIpOption("eth0:dhcp") // { mode: "dhcp", device: "eth0" }
 */
export function parseIpOption(value: string): IpSetup | { error: string } {
  const v = value.trim();
  if (v === "") return { error: `the value "" is empty; ${HINT}` };
  if (DHCP_WORDS.has(v)) return { mode: "dhcp" };
  if (OFF_WORDS.has(v)) return { mode: "off" };
  const f = v.split(":");
  if (f.length === 2) {
    if (f[0] !== "" && DHCP_WORDS.has(f[1]!)) return { mode: "dhcp", device: f[0]! };
    return { error: `the value "${v}" is not understood; ${HINT}` };
  }
  if (f.length < 7) return { error: `the value "${v}" is not understood; ${HINT}` };
  const [client = "", , gateway = "", netmask = "", hostname = "", device = "", autoconf = "", ...dns] = f;
  if (DHCP_WORDS.has(autoconf)) return { mode: "dhcp", ...(device ? { device } : {}) };
  if (autoconf !== "" && !OFF_WORDS.has(autoconf)) return { error: `the autoconfiguration "${autoconf}" is not supported: use dhcp or off` };
  if (client === "") return { error: `a static setup needs an address: "${v}" has none` };
  if (!isIpv4(client)) return { error: `the address "${client}" is not an IPv4 address` };
  if (gateway !== "" && !isIpv4(gateway)) return { error: `the gateway "${gateway}" is not an IPv4 address` };
  const prefixLength = netmask === "" ? classPrefix(client) : isIpv4(netmask) ? netmaskPrefix(netmask) : undefined;
  if (prefixLength === undefined) return { error: `the netmask "${netmask}" is not a netmask` };
  const servers = dns.slice(0, 2).filter((d) => d !== "");
  const bad = servers.find((d) => !isIpv4(d));
  if (bad !== undefined) return { error: `the DNS server "${bad}" is not an IPv4 address` };
  return {
    mode: "static",
    address: client,
    prefixLength,
    ...(gateway ? { gateway } : {}),
    ...(hostname ? { hostname } : {}),
    ...(device ? { device } : {}),
    dns: servers,
  };
}
