/**
 * Kernels that are not kernels: the smallest bytes ukiboot's checks take for an x86 bzImage, for tests that
 * plan and load over the fake Sys and never start what they load.
 */
import { writePe } from "./uki-writer.ts";

const SETUP_SECTS = 0x1f1;
const SYSSIZE = 0x1f4;
const HEADER_MAGIC = 0x202;

/**
 * A 4 KiB bzImage: two setup sectors ("HdrS" at 0x202), then a protected-mode part of 3 KiB. Not a PE on
 * purpose: ukify would take a PE-looking kernel's SizeOfImage as the section size.
 */
export function standInKernel(): Uint8Array {
  const k = new Uint8Array(4096).fill(0x4b);
  k[SETUP_SECTS] = 1; // setup_sects: (1 + 1) * 512 bytes of real-mode code
  new DataView(k.buffer).setUint32(SYSSIZE, (4096 - 1024) / 16, true); // syssize, in 16-byte units
  k.set(new TextEncoder().encode("HdrS"), HEADER_MAGIC);
  return k;
}

/**
 * The same bzImage that is also a PE image, as a kernel built with the EFI stub is: what a Type #1 entry's
 * `linux` names, and what a signature covers. Its `.text` starts at 0x200 and carries the setup header's
 * magic; setup_sects and syssize sit in the PE headers' padding, where a real kernel has them too.
 */
export function standInEfiKernel(): Uint8Array {
  const body = standInKernel().subarray(0x200);
  const pe = writePe({ sections: [{ name: ".text", data: body }] });
  pe[SETUP_SECTS] = 1;
  new DataView(pe.buffer).setUint32(SYSSIZE, (pe.length - 1024) / 16, true);
  return pe;
}
