import { expect, test } from "bun:test";
import { arm64Purgatory, ARM64_PURGATORY_BYTES } from "../../../src/kexec-segments/arm64-purgatory.ts";

// The expected words were checked by disassembling the bytes with GNU objdump for aarch64 (binutils 2.40):
// ldr x0, 0x18; mov x1, xzr; mov x2, xzr; mov x3, xzr; ldr x4, 0x20; br x4.
test("six instructions, then the tree's address and the Image's, little-endian", () => {
  const p = arm64Purgatory(0x4a00_0000, 0x4020_0000);
  expect(p.byteLength).toBe(ARM64_PURGATORY_BYTES);
  const dv = new DataView(p.buffer);
  expect([0, 4, 8, 12, 16, 20].map((o) => dv.getUint32(o, true).toString(16))).toEqual([
    "580000c0",
    "aa1f03e1",
    "aa1f03e2",
    "aa1f03e3",
    "58000084",
    "d61f0080",
  ]);
  expect(dv.getBigUint64(24, true)).toBe(0x4a00_0000n);
  expect(dv.getBigUint64(32, true)).toBe(0x4020_0000n);
});

test("the literal loads reach the words they name: ldr (literal) offsets are imm19 * 4 from the instruction", () => {
  const dv = new DataView(arm64Purgatory(1, 2).buffer);
  const target = (at: number) => at + ((dv.getUint32(at, true) >> 5) & 0x7ffff) * 4;
  expect(dv.getBigUint64(target(0), true)).toBe(1n);
  expect(dv.getBigUint64(target(16), true)).toBe(2n);
});
