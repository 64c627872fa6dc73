import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../../../src/errors.ts";
import { usableRam } from "../../../src/kexec-segments/iomem.ts";

const fixture = (name: string) => readFileSync(join(import.meta.dir, "../../fixtures/iomem", name), "utf8");
const hex = (r: { start: number; end: number }[]) => r.map((x) => `${x.start.toString(16)}-${(x.end - 1).toString(16)}`);

// Captured with cat /proc/iomem in ukiboot's rescue shell: Debian's arm64 cloud kernel 6.12 on QEMU 7.2's virt machine, 2 GiB.
test("QEMU virt booted by -kernel: System RAM less its reserved children; the kernel's own code stays usable", () => {
  // Read off the fixture by hand: 2 GiB at 1 GiB, with the boot initrd's, the kernel's and the memory map's holes.
  expect(hex(usableRam(fixture("arm64-virt-kernel.txt"), "/proc/iomem"))).toEqual([
    "40000000-41a9ffff",
    "41cc0000-47ffffff",
    "4afa9000-4affffff",
    "4b100000-b94fffff",
    "bfa00000-bfacafff",
    "bfaf4000-bfaf5fff",
  ]);
});

// Captured with cat /proc/iomem in ukiboot's rescue shell (Q in the menu): the same kernel started by AAVMF
// from the ESP (EFI stub, memory map from the firmware), QEMU 7.2's virt machine, 2 GiB.
test("QEMU virt under AAVMF: three System RAM ranges cut by the firmware's reserved ranges; one is all reserved", () => {
  // Read off the fixture by hand. 40000000-bc43ffff less its five reserved children (the kernel's code and
  // data stay usable); bc730000-bfbfffff less its eight; bffe0000-bfffffff is reserved whole. The top-level
  // reserved ranges (04000000-07ffffff, bc440000-bc72ffff, bfc00000-bffdffff) are not RAM to start with.
  expect(hex(usableRam(fixture("arm64-aavmf.txt"), "/proc/iomem"))).toEqual([
    "40000000-abc4ffff",
    "aebfd000-b049ffff",
    "b06c0000-b51fffff",
    "b9200000-b927ffff",
    "b9281000-bc42efff",
    "bc730000-bc9fffff",
    "bec00000-bec87fff",
    "bec89000-bf0e1fff",
    "bf811000-bf811fff",
  ]);
});

test("ranges are merged and a reserved range may cut one in two", () => {
  const text = ["40000000-4fffffff : System RAM", "50000000-5fffffff : System RAM", "  48000000-480fffff : reserved", "60000000-6fffffff : reserved"].join(
    "\n",
  );
  expect(hex(usableRam(text, "t"))).toEqual(["40000000-47ffffff", "48100000-5fffffff"]);
});

test("the file as an unprivileged process sees it: every address zero", () => {
  const text = "00000000-00000000 : System RAM\n  00000000-00000000 : Kernel code\n";
  expect(() => usableRam(text, "/proc/iomem")).toThrow(/every address in it is zero.*run ukiboot as root/);
});

test("a line that is not start-end : name, and a file without RAM", () => {
  expect(() => usableRam("40000000-4fffffff System RAM\n", "/proc/iomem")).toThrow(FormatError);
  expect(() => usableRam("40000000-4fffffff System RAM\n", "/proc/iomem")).toThrow(/line 1 \("40000000-4fffffff System RAM"\) is not "start-end : name"/);
  expect(() => usableRam("09000000-09000fff : pl011@9000000\n", "/proc/iomem")).toThrow(/lists no "System RAM"/);
});
