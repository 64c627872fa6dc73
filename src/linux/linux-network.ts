/**
 * The network of a network boot (docs/network.md §4): the network drivers the image ships are loaded only
 * now, an interface is configured with busybox udhcpc (or statically) and busybox ip, and downloads go
 * into sealed memory files. A running system's network is used as it is.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BootError } from "../errors.ts";
import type { IpSetup } from "../net/ip-option.ts";
import { configurationOf, leaseFromUdhcpc, parseLeaseText, type InterfaceConfig } from "../net/net-config.ts";
import type { DownloadProgress } from "../net/receive-body.ts";
import type { FetchedFile, FetchLimits, Log, Network } from "../ports/sys.ts";
import { downloadToMemfd } from "./download-memfd.ts";
import { loadAllModules } from "./modules.ts";

/** Installed by build/initramfs.ts from initrd-hooks/common/udhcpc-lease.sh. */
export const UDHCPC_SCRIPT = "/usr/lib/ukiboot/udhcpc-lease.sh";
/** Pinned CAs for HTTPS: when the image has some, only they are trusted (docs/network.md §3). */
export const TLS_CA_DIR = "/etc/ukiboot/trust.d/tls";
const LEASE_DIR = "/run/ukiboot";
/** How long the interfaces may take to appear after their drivers load. */
const LINK_WAIT_MS = 5_000;
/** udhcpc: three discovers, two seconds apart, then give up on that interface. */
const DHCP_TRIES = 3;
const DHCP_WAIT_S = 2;

async function runTool(argv: string[]): Promise<{ code: number; stderr: string }> {
  const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "pipe", env: { ...process.env, UKIBOOT_LEASE_DIR: LEASE_DIR } });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  return { code, stderr: stderr.trim() };
}

async function mustRun(argv: string[]): Promise<void> {
  const r = await runTool(argv).catch((e: Error) => ({ code: -1, stderr: e.message }));
  if (r.code !== 0)
    throw new BootError(
      `Cannot configure the network: "${argv.join(" ")}" failed (status ${r.code})${r.stderr ? `: ${r.stderr}` : ""}`,
      "Check ip= or ukiboot.net= on the boot kernel's command line",
    );
}

/** The interfaces other than loopback, in name order. */
function interfaces(): string[] {
  try {
    return readdirSync("/sys/class/net")
      .filter((n) => n !== "lo")
      .sort();
  } catch {
    return [];
  }
}

function pemFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => /\.(pem|crt)$/i.test(n))
    .sort()
    .map((n) => readFileSync(join(dir, n), "utf8"));
}

export class LinuxNetwork implements Network {
  private configured = false;
  private pinned: string[] | undefined;

  constructor(private readonly log: Log) {}

  async up(setup: IpSetup | "system"): Promise<string> {
    if (setup === "system" || this.configured) return "";
    if (setup.mode === "off")
      throw new BootError(
        "Cannot use the network: it is switched off (ip=off or ukiboot.net=off)",
        "Remove ip=off from the boot kernel's command line, or boot a local entry",
      );
    const mods = loadAllModules(undefined, "modules.net.dep");
    if (mods.loaded.length) this.log.info(`loaded network drivers: ${mods.loaded.join(" ")}`);
    for (const f of mods.failed) this.log.warn(f.error.message);
    const found = await this.waitForInterfaces(setup.device);
    const config = setup.mode === "static" ? { ...setup, device: setup.device ?? found[0]! } : await this.dhcp(found);
    const { commands, resolvConf, summary } = configurationOf(config);
    for (const c of commands) await mustRun(c);
    if (resolvConf !== "") writeFileSync("/etc/resolv.conf", resolvConf);
    this.configured = true;
    return `${summary}${setup.mode === "dhcp" ? " (DHCP)" : " (static)"}`;
  }

  private async waitForInterfaces(device: string | undefined): Promise<string[]> {
    const deadline = performance.now() + LINK_WAIT_MS;
    for (;;) {
      const all = interfaces();
      const found = device ? all.filter((n) => n === device) : all;
      if (found.length) return found;
      if (performance.now() > deadline) {
        throw new BootError(
          device
            ? `Cannot use the network: the interface "${device}" did not appear within ${LINK_WAIT_MS / 1000} s (there are: ${all.join(", ") || "none"})`
            : `Cannot use the network: no network interface appeared within ${LINK_WAIT_MS / 1000} s`,
          "The image may lack the driver of this network card: build it with the card's module in --modules, or name the interface in ip=",
        );
      }
      await Bun.sleep(100);
    }
  }

  /** DHCPv4 on each interface in turn, until one gets a lease. */
  private async dhcp(candidates: string[]): Promise<InterfaceConfig> {
    mkdirSync(LEASE_DIR, { recursive: true });
    const failures: string[] = [];
    for (const dev of candidates) {
      const leaseFile = join(LEASE_DIR, `lease-${dev}`);
      rmSync(leaseFile, { force: true });
      await runTool(["ip", "link", "set", dev, "up"]);
      const r = await runTool(["udhcpc", "-i", dev, "-f", "-q", "-n", "-t", String(DHCP_TRIES), "-T", String(DHCP_WAIT_S), "-s", UDHCPC_SCRIPT]).catch(
        (e: Error) => ({ code: -1, stderr: e.message }),
      );
      if (r.code !== 0 || !existsSync(leaseFile)) {
        failures.push(`${dev}: no lease after ${DHCP_TRIES} tries ${DHCP_WAIT_S} s apart${r.code === -1 ? ` (${r.stderr})` : ""}`);
        continue;
      }
      const lease = leaseFromUdhcpc(parseLeaseText(readFileSync(leaseFile, "utf8")));
      if ("error" in lease) {
        failures.push(lease.error);
        continue;
      }
      return lease;
    }
    throw new BootError(
      `Cannot use the network: DHCP gave no usable lease (${failures.join("; ")})`,
      "Check the cable and the DHCP server, or set the address with ip=ADDRESS::GATEWAY:NETMASK::IFACE:off",
    );
  }

  download(url: string, limits: FetchLimits, onProgress?: (p: DownloadProgress) => void): Promise<FetchedFile> {
    this.pinned ??= pemFiles(TLS_CA_DIR);
    return downloadToMemfd(url, { limits, ...(this.pinned.length ? { ca: this.pinned } : {}), ...(onProgress ? { onProgress } : {}) });
  }
}
