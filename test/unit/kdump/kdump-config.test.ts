import { describe, expect, test } from "bun:test";
import { DEFAULT_KDUMP_APPEND, DEFAULT_KDUMP_REMOVE } from "../../../src/kdump/crash-cmdline.ts";
import { kdumpInitrdPath, parseKdumpConfig } from "../../../src/kdump/kdump-config.ts";

describe("/etc/ukiboot/kdump.conf (docs/kdump.md §4)", () => {
  test("a missing or empty file gives the defaults", () => {
    const c = parseKdumpConfig("", "/etc/ukiboot/kdump.conf");
    expect(c.config).toEqual({ remove: DEFAULT_KDUMP_REMOVE, append: DEFAULT_KDUMP_APPEND });
    expect(c.problems).toEqual([]);
  });

  test("append and remove replace the defaults; repeated lines add up; an initrd path and an entry", () => {
    const text = [
      "# Fedora's kdump-utils options",
      "append irqpoll nr_cpus=1 reset_devices",
      "append cgroup_disable=memory mce=0 numa=off",
      "remove crashkernel hugepages",
      "initrd /var/lib/kdump/initrd.img-%k",
      "entry debian-*.efi",
      "",
    ].join("\n");
    const c = parseKdumpConfig(text, "/etc/ukiboot/kdump.conf");
    expect(c.config).toEqual({
      append: ["irqpoll", "nr_cpus=1", "reset_devices", "cgroup_disable=memory", "mce=0", "numa=off"],
      remove: ["crashkernel", "hugepages"],
      initrd: "/var/lib/kdump/initrd.img-%k",
      entry: "debian-*.efi",
    });
  });

  test("append none empties the list", () => {
    expect(parseKdumpConfig("append none\n", "f").config.append).toEqual([]);
  });

  test("an unknown key or a line without a value is reported with file and line, and the rest still counts", () => {
    const c = parseKdumpConfig("apend irqpoll\ninitrd\nappend irqpoll\n", "/etc/ukiboot/kdump.conf");
    expect(c.config.append).toEqual(["irqpoll"]);
    expect(c.problems).toEqual([
      '/etc/ukiboot/kdump.conf:1: unknown key "apend" ignored; the keys are append, remove, initrd and entry',
      "/etc/ukiboot/kdump.conf:2: skipped: it has a key but no value",
    ]);
  });

  test("a relative initrd path is refused: the service's working directory is no place to look", () => {
    const c = parseKdumpConfig("initrd initrd.img\n", "k.conf");
    expect(c.config.initrd).toBeUndefined();
    expect(c.problems).toEqual(['k.conf:1: initrd "initrd.img" ignored: it must be an absolute path']);
  });

  test("%k in the initrd path is the UKI's kernel version", () => {
    expect(kdumpInitrdPath("/var/lib/kdump/initrd.img-%k", "6.12.57+deb13-cloud-amd64")).toBe("/var/lib/kdump/initrd.img-6.12.57+deb13-cloud-amd64");
    expect(kdumpInitrdPath("/boot/kdump.img", undefined)).toBe("/boot/kdump.img");
    expect(() => kdumpInitrdPath("/var/lib/kdump/initrd.img-%k", undefined)).toThrow(/has no \.uname/);
  });
});
