/**
 * busybox udhcpc's script (initrd-hooks/common/udhcpc-lease.sh) run as udhcpc runs it, with the lease in its
 * environment, under every shell the hooks support; ukiboot reads what it wrote (docs/network.md §4, §8).
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configurationOf, leaseFromUdhcpc, parseLeaseText } from "../../../src/net/net-config.ts";
import { HOOKS_DIR, SHELLS } from "../../support/sh-harness.ts";

const SCRIPT = join(HOOKS_DIR, "common/udhcpc-lease.sh");
const LEASE = {
  interface: "eth0",
  ip: "10.0.2.15",
  subnet: "255.255.255.0",
  router: "10.0.2.2",
  dns: "10.0.2.3 10.0.2.4",
  lease: "86400",
  serverid: "10.0.2.2",
  hostname: "",
};

describe("udhcpc-lease.sh", () => {
  for (const shell of SHELLS) {
    test(`${shell.name}: on bound, writes the lease that ukiboot configures from; on leasefail, nothing`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "lease-"));
      const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", UKIBOOT_LEASE_DIR: dir, ...LEASE };
      expect(await Bun.spawn([...shell.argv, SCRIPT, "leasefail"], { env: { ...env, interface: "eth1" } }).exited).toBe(0);
      expect(existsSync(join(dir, "lease-eth1"))).toBe(false);
      expect(await Bun.spawn([...shell.argv, SCRIPT, "bound"], { env }).exited).toBe(0);
      const text = readFileSync(join(dir, "lease-eth0"), "utf8");
      // Empty values are left out; nothing else of the environment is written.
      expect(text).toBe("interface=eth0\nip=10.0.2.15\nsubnet=255.255.255.0\nrouter=10.0.2.2\ndns=10.0.2.3 10.0.2.4\nlease=86400\nserverid=10.0.2.2\n");
      const lease = leaseFromUdhcpc(parseLeaseText(text));
      if ("error" in lease) throw new Error(lease.error);
      expect(configurationOf(lease).summary).toBe("eth0 10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3 10.0.2.4");
    });
  }
});
