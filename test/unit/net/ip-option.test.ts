/** `ip=` and `ukiboot.net=` on the boot kernel's command line (docs/network.md §4): the kernel's nfsroot form and dracut's `IFACE:dhcp`. */
import { describe, expect, test } from "bun:test";
import { parseIpOption } from "../../../src/net/ip-option.ts";

describe("parseIpOption()", () => {
  test.each([
    ["dhcp", { mode: "dhcp" }],
    ["on", { mode: "dhcp" }],
    ["any", { mode: "dhcp" }],
    ["both", { mode: "dhcp" }],
    ["off", { mode: "off" }],
    ["none", { mode: "off" }],
    ["eth1:dhcp", { mode: "dhcp", device: "eth1" }],
  ] as [string, unknown][])("%p", (value, expected) => expect(parseIpOption(value) as unknown).toEqual(expected));

  test("the kernel's static form: address, gateway, netmask, hostname, device, DNS", () => {
    expect(parseIpOption("10.0.2.15::10.0.2.2:255.255.255.0:lab:eth0:off:10.0.2.3:1.1.1.1")).toEqual({
      mode: "static",
      address: "10.0.2.15",
      prefixLength: 24,
      gateway: "10.0.2.2",
      hostname: "lab",
      device: "eth0",
      dns: ["10.0.2.3", "1.1.1.1"],
    });
    // Without a netmask the kernel takes the address class; /24 for 192.168/16, as the kernel would.
    expect(parseIpOption("192.168.1.9:::::eth0:none")).toEqual({ mode: "static", address: "192.168.1.9", prefixLength: 24, device: "eth0", dns: [] });
    // Autoconfiguration in the long form: the address is only a hint, so it is DHCP on that device.
    expect(parseIpOption(":::::enp1s0:dhcp")).toEqual({ mode: "dhcp", device: "enp1s0" });
  });

  test("bad values say what is wrong", () => {
    expect(parseIpOption("")).toEqual({ error: 'the value "" is empty; use dhcp, off, IFACE:dhcp or ADDRESS::GATEWAY:NETMASK:HOST:IFACE:off' });
    expect(parseIpOption("10.0.2.300::::::off")).toEqual({ error: 'the address "10.0.2.300" is not an IPv4 address' });
    expect(parseIpOption("10.0.2.15::10.0.2.2:255.0.255.0::eth0:off")).toEqual({ error: 'the netmask "255.0.255.0" is not a netmask' });
    expect(parseIpOption("10.0.2.15::::::rarp")).toEqual({ error: 'the autoconfiguration "rarp" is not supported: use dhcp or off' });
    expect(parseIpOption("eth0:static")).toEqual({
      error: 'the value "eth0:static" is not understood; use dhcp, off, IFACE:dhcp or ADDRESS::GATEWAY:NETMASK:HOST:IFACE:off',
    });
    expect(parseIpOption("::::::off")).toEqual({ error: 'a static setup needs an address: "::::::off" has none' });
  });
});
