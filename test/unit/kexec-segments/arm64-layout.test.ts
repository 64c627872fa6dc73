import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BootError } from "../../../src/errors.ts";
import { arm64Layout, type Arm64LayoutInput } from "../../../src/kexec-segments/arm64-layout.ts";
import { usableRam } from "../../../src/kexec-segments/iomem.ts";

const VIRT_RAM = usableRam(readFileSync(join(import.meta.dir, "../../fixtures/iomem/arm64-virt-kernel.txt"), "utf8"), "iomem");
const MiB = 1024 * 1024;
const hex = (r: { start: number; end: number } | undefined) => (r ? `${r.start.toString(16)}-${r.end.toString(16)}` : undefined);

// Debian's arm64 cloud kernel 6.12: a 38 MB Image file whose header says 40.3 MB in memory, text_offset 0.
const DEBIAN: Arm64LayoutInput = {
  kernelBytes: 38_416_896,
  textOffset: 0,
  imageSize: 40_304_640,
  initrdBytes: 2_023_412,
  dtbBytes: 7_600,
  purgatoryBytes: 40,
  ram: VIRT_RAM,
  pageSize: 4096,
};

test("QEMU virt: the Image on the first 2 MiB boundary where it fits, the rest above it in page-aligned order", () => {
  const l = arm64Layout(DEBIAN, "t");
  // 40000000-41a9ffff is too small for 40.3 MB (0x2670000); 41cc0000 rounds up to 41e00000.
  expect(hex(l.kernel)).toBe("41e00000-44470000");
  expect(hex(l.initrd)).toBe("44470000-4465e000");
  expect(hex(l.dtb)).toBe("4465e000-44660000");
  expect(hex(l.purgatory)).toBe("44660000-44661000");
});

test("QEMU virt under AAVMF: RAM starts free at 1 GiB, so everything goes there, in order", () => {
  const ram = usableRam(readFileSync(join(import.meta.dir, "../../fixtures/iomem/arm64-aavmf.txt"), "utf8"), "iomem");
  const l = arm64Layout({ ...DEBIAN, ram }, "t");
  // 40.3 MB is 0x2670000; the initrd's 2,023,412 bytes are 494 pages (0x1ee000); the tree 2 pages.
  expect(hex(l.kernel)).toBe("40000000-42670000");
  expect(hex(l.initrd)).toBe("42670000-4285e000");
  expect(hex(l.dtb)).toBe("4285e000-42860000");
  expect(hex(l.purgatory)).toBe("42860000-42861000");
});

test("an initrd too large for the rest of the Image's range goes to the next usable range", () => {
  const l = arm64Layout({ ...DEBIAN, initrdBytes: 100 * MiB }, "t");
  expect(hex(l.initrd)).toBe("4b100000-51500000");
  // The tree and the purgatory still take the lowest free pages above the Image.
  expect(hex(l.dtb)).toBe("44470000-44472000");
  expect(hex(l.purgatory)).toBe("44472000-44473000");
});

test("text_offset is added to the 2 MiB boundary; with image_size 0 the file's size, page-aligned, is what counts", () => {
  const l = arm64Layout({ ...DEBIAN, textOffset: 0x80000, imageSize: 0 }, "t");
  expect(hex(l.kernel)).toBe("41e80000-44324000");
});

test("no initrd: no initrd segment", () => {
  expect(arm64Layout({ ...DEBIAN, initrdBytes: 0 }, "t").initrd).toBeUndefined();
});

test("segments never overlap and stay in usable RAM", () => {
  for (const initrdBytes of [0, 1, 4096, 50 * MiB, 900 * MiB]) {
    const l = arm64Layout({ ...DEBIAN, initrdBytes }, "t");
    const segs = [l.kernel, l.initrd, l.dtb, l.purgatory].filter((s) => s !== undefined);
    for (const s of segs) {
      expect(VIRT_RAM.some((r) => r.start <= s.start && s.end <= r.end)).toBe(true);
      expect(s.start % 4096).toBe(0);
      for (const t of segs) if (t !== s) expect(s.end <= t.start || t.end <= s.start).toBe(true);
    }
  }
});

test("what does not fit is refused by name, and so is a tree over 2 MiB", () => {
  expect(() => arm64Layout({ ...DEBIAN, initrdBytes: 3000 * MiB }, "/efi/EFI/Linux/big.efi")).toThrow(BootError);
  expect(() => arm64Layout({ ...DEBIAN, initrdBytes: 3000 * MiB }, "/efi/EFI/Linux/big.efi")).toThrow(
    /Cannot load "\/efi\/EFI\/Linux\/big.efi": no free range of usable RAM holds its initrd \(3145728000 bytes\)/,
  );
  expect(() => arm64Layout({ ...DEBIAN, ram: [{ start: 0x4000_0000, end: 0x4100_0000 }] }, "k")).toThrow(/holds its kernel/);
  expect(() => arm64Layout({ ...DEBIAN, dtbBytes: 3 * MiB }, "k")).toThrow(/more than the 2 MiB the arm64 boot protocol allows/);
});
