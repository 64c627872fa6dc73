/** What a lease or a static setup becomes (docs/network.md §4): `ip` commands, resolv.conf, and the console line. */
import { describe, expect, test } from "bun:test";
import { configurationOf, leaseFromUdhcpc } from "../../../src/net/net-config.ts";

describe("leaseFromUdhcpc()", () => {
  test("reads the variables busybox udhcpc hands its script on bound", () => {
    const env = {
      interface: "eth0",
      ip: "10.0.2.15",
      mask: "24",
      router: "10.0.2.2 10.0.2.1",
      dns: "10.0.2.3",
      hostname: "lab",
      lease: "86400",
      serverid: "10.0.2.2",
    };
    expect(leaseFromUdhcpc(env)).toEqual({
      device: "eth0",
      address: "10.0.2.15",
      prefixLength: 24,
      gateway: "10.0.2.2",
      dns: ["10.0.2.3"],
      hostname: "lab",
      leaseSeconds: 86400,
      server: "10.0.2.2",
    });
  });
  test("a dotted subnet works too; a lease without an address is refused", () => {
    expect(leaseFromUdhcpc({ interface: "eth0", ip: "192.168.7.9", subnet: "255.255.255.0" })).toMatchObject({ prefixLength: 24, dns: [] });
    expect(leaseFromUdhcpc({ interface: "eth0" })).toEqual({ error: "udhcpc reported a lease on eth0 without an address" });
  });
});

describe("configurationOf()", () => {
  test("address, link, default route and resolv.conf, in that order", () => {
    const c = configurationOf({ device: "eth0", address: "10.0.2.15", prefixLength: 24, gateway: "10.0.2.2", dns: ["10.0.2.3", "1.1.1.1"] });
    expect(c.commands).toEqual([
      ["ip", "link", "set", "eth0", "up"],
      ["ip", "addr", "add", "10.0.2.15/24", "dev", "eth0"],
      ["ip", "route", "add", "default", "via", "10.0.2.2", "dev", "eth0"],
    ]);
    expect(c.resolvConf).toBe("nameserver 10.0.2.3\nnameserver 1.1.1.1\n");
    expect(c.summary).toBe("eth0 10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3 1.1.1.1");
  });
  test("no gateway, no DNS", () => {
    const c = configurationOf({ device: "eth1", address: "192.168.1.9", prefixLength: 16, dns: [] });
    expect(c.commands).toHaveLength(2);
    expect(c.resolvConf).toBe("");
    expect(c.summary).toBe("eth1 192.168.1.9/16, no gateway, no DNS");
  });
});
