/**
 * The few instructions kexec_load on arm64 jumps to (docs/kexec.md §11). The kernel's relocation code enters
 * them with the MMU off and x0 unset; the arm64 boot protocol wants the device tree's address in x0, zero in
 * x1–x3, then a jump to the Image. kexec-tools' purgatory also re-hashes the segments first; these do not,
 * because the segments come from memory the kernel copied at load time and nothing else writes.
 */

/** Bytes: six instructions and two 64-bit literals. */
export const ARM64_PURGATORY_BYTES = 40;

/** The purgatory that starts the Image at `entry` with the tree at `dtb` (both physical addresses). */
export function arm64Purgatory(dtb: number, entry: number): Uint8Array {
  const out = new Uint8Array(ARM64_PURGATORY_BYTES);
  const dv = new DataView(out.buffer);
  const code = [
    0x580000c0, // ldr x0, #24   (the literal at byte 24: dtb)
    0xaa1f03e1, // mov x1, xzr
    0xaa1f03e2, // mov x2, xzr
    0xaa1f03e3, // mov x3, xzr
    0x58000084, // ldr x4, #16   (the literal at byte 32: entry)
    0xd61f0080, // br  x4
  ];
  code.forEach((insn, i) => dv.setUint32(i * 4, insn, true));
  dv.setBigUint64(24, BigInt(dtb), true);
  dv.setBigUint64(32, BigInt(entry), true);
  return out;
}
