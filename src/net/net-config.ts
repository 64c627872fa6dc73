/**
 * What a DHCP lease or a static setup becomes (docs/network.md §4): the `ip` commands that configure the
 * interface, the resolv.conf for the runtime's resolver, and the one line the console shows. busybox udhcpc
 * gets the lease; its script only hands the variables over, and ukiboot configures from them.
 */
import { netmaskPrefix } from "./ip-option.ts";

export interface InterfaceConfig {
  device: string;
  address: string;
  prefixLength: number;
  gateway?: string;
  dns: string[];
  hostname?: string;
  leaseSeconds?: number;
  /** The DHCP server that gave the lease. */
  server?: string;
}

/**
 * The lease in the variables udhcpc passes its script on `bound`/`renew`: interface, ip, mask (bits) or
 * subnet (dotted), router, dns, hostname, lease, serverid.
 */
export function leaseFromUdhcpc(env: Record<string, string | undefined>): InterfaceConfig | { error: string } {
  const device = env.interface ?? "?";
  if (!env.ip) return { error: `udhcpc reported a lease on ${device} without an address` };
  const prefixLength = netmaskPrefix(env.mask ?? env.subnet ?? "");
  if (prefixLength === undefined) return { error: `udhcpc reported a lease on ${device} without a usable netmask ("${env.mask ?? env.subnet ?? ""}")` };
  const words = (s: string | undefined) => (s ?? "").split(/\s+/).filter(Boolean);
  const gateway = words(env.router)[0];
  const lease = env.lease !== undefined && /^\d+$/.test(env.lease) ? Number(env.lease) : undefined;
  return {
    device,
    address: env.ip,
    prefixLength,
    ...(gateway ? { gateway } : {}),
    dns: words(env.dns),
    ...(env.hostname ? { hostname: env.hostname } : {}),
    ...(lease !== undefined ? { leaseSeconds: lease } : {}),
    ...(env.serverid ? { server: env.serverid } : {}),
  };
}

/** The commands, resolv.conf text and console summary for `c`. */
export function configurationOf(c: InterfaceConfig): { commands: string[][]; resolvConf: string; summary: string } {
  const commands = [
    ["ip", "link", "set", c.device, "up"],
    ["ip", "addr", "add", `${c.address}/${c.prefixLength}`, "dev", c.device],
    ...(c.gateway ? [["ip", "route", "add", "default", "via", c.gateway, "dev", c.device]] : []),
  ];
  const resolvConf = c.dns.map((d) => `nameserver ${d}\n`).join("");
  const summary = `${c.device} ${c.address}/${c.prefixLength}, ${c.gateway ? `gateway ${c.gateway}` : "no gateway"}, ${c.dns.length ? `DNS ${c.dns.join(" ")}` : "no DNS"}`;
  return { commands, resolvConf, summary };
}

/** The `name=value` lines the udhcpc script writes (initrd-hooks/common/udhcpc-lease.sh), as udhcpc's variables. */
export function parseLeaseText(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}
