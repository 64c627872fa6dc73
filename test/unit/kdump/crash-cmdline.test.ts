import { describe, expect, test } from "bun:test";
import { crashCmdline, DEFAULT_KDUMP_APPEND, DEFAULT_KDUMP_REMOVE } from "../../../src/kdump/crash-cmdline.ts";

const debian = { remove: DEFAULT_KDUMP_REMOVE, append: DEFAULT_KDUMP_APPEND };

describe("the crash kernel's command line (docs/kdump.md §3)", () => {
  test("drops crashkernel= and appends Debian kdump-tools' options by default", () => {
    const r = crashCmdline("root=LABEL=lab-root ro console=ttyS0 crashkernel=512M", debian);
    expect(r.cmdline).toBe(
      "root=LABEL=lab-root ro console=ttyS0 reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll usbcore.nousb cgroup_disable=memory udev.children-max=2 cma=0 hugetlb_cma=0 panic=10",
    );
    expect(r.removed).toEqual(["crashkernel=512M"]);
  });

  test("drops every crashkernel= form and the memory options that would not fit the reservation", () => {
    const r = crashCmdline("a crashkernel=1G-4G:192M,4G-:256M crashkernel=64M,low hugepages=16 hugepagesz=2M default_hugepagesz=1G cma=64M quiet b", debian);
    expect(r.removed).toEqual([
      "crashkernel=1G-4G:192M,4G-:256M",
      "crashkernel=64M,low",
      "hugepages=16",
      "hugepagesz=2M",
      "default_hugepagesz=1G",
      "cma=64M",
      "quiet",
    ]);
    expect(r.cmdline.startsWith("a b reset_devices ")).toBe(true);
  });

  test("an option the append sets replaces the entry's own, so the crash kernel sees one value", () => {
    const r = crashCmdline("root=/dev/sda1 nr_cpus=8 systemd.unit=graphical.target irqpoll", debian);
    expect(r.cmdline.match(/nr_cpus=/g)).toHaveLength(1);
    expect(r.cmdline.match(/systemd\.unit=/g)).toHaveLength(1);
    expect(r.cmdline.match(/irqpoll/g)).toHaveLength(1);
    expect(r.cmdline).toContain("systemd.unit=kdump-tools-dump.service");
    expect(r.removed).toEqual(["nr_cpus=8", "systemd.unit=graphical.target", "irqpoll"]);
  });

  test("keeps quoted words whole and compares keys by the kernel's rule (- and _ are the same)", () => {
    const r = crashCmdline('x="a b" hugetlb-cma=1 usbcore.nousb=0 "dyndbg=file x +p" crashkernelx=1 y', { remove: ["hugetlb_cma"], append: ["usbcore.nousb"] });
    expect(r.cmdline).toBe('x="a b" "dyndbg=file x +p" crashkernelx=1 y usbcore.nousb');
    expect(r.removed).toEqual(["hugetlb-cma=1", "usbcore.nousb=0"]);
  });

  test("with nothing to remove or append, the line is the entry's own", () => {
    expect(crashCmdline("  a   b ", { remove: [], append: [] })).toEqual({ cmdline: "a b", removed: [] });
  });
});
