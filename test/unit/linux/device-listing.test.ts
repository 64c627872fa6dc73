/** deviceListing(): what the device watch compares between ticks, over a sysfs-shaped directory. */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deviceListing } from "../../../src/linux/modules.ts";

let bus: string;
beforeEach(() => {
  bus = mkdtempSync(join(tmpdir(), "device-listing-"));
  mkdirSync(join(bus, "pci/devices/0000:00:01.0"), { recursive: true });
  mkdirSync(join(bus, "usb"), { recursive: true });
});
afterEach(() => rmSync(bus, { recursive: true, force: true }));

describe("deviceListing()", () => {
  test("names each bus's devices; a bus without a devices directory adds nothing", () => {
    expect(deviceListing(bus)).toBe("pci/0000:00:01.0");
  });
  test("changes when a device appears, and not otherwise", () => {
    const before = deviceListing(bus);
    expect(deviceListing(bus)).toBe(before);
    mkdirSync(join(bus, "usb/devices/1-1"), { recursive: true });
    expect(deviceListing(bus)).not.toBe(before);
    expect(deviceListing(bus).split("\n")).toContain("usb/1-1");
  });
  test("no /sys/bus: the empty listing, never an error", () => {
    expect(deviceListing(join(bus, "missing"))).toBe("");
  });
});
