/**
 * The device tree the next kernel gets from kexec_load on arm64 (docs/kexec.md §11): the running kernel's
 * tree with a new /chosen, as kexec-tools and kexec_file_load write it. The command line and the initrd's
 * range are the plan's; the random seeds are new, since the old ones were used and the kernel wiped them;
 * what only a crash kernel may read (the ELF core header, its usable memory) goes.
 */
import { childNode, deleteProp, type Fdt, getProp, setProp, stringProp, u64Prop } from "./fdt.ts";

export interface NextKernelChosen {
  cmdline: string;
  /** Where the initrd is, `end` being its last byte + 1 (not rounded up to a page). */
  initrd?: { start: number; end: number };
  /** Random bytes, for kaslr-seed and rng-seed when the tree has them. */
  random: (n: number) => Uint8Array;
}

/** Rewrites `fdt`'s /chosen in place for the next kernel and returns it. */
export function treeForNextKernel(fdt: Fdt, next: NextKernelChosen): Fdt {
  const chosen = childNode(fdt.root, "chosen");
  setProp(chosen, "bootargs", stringProp(next.cmdline));
  if (next.initrd) {
    setProp(chosen, "linux,initrd-start", u64Prop(BigInt(next.initrd.start)));
    setProp(chosen, "linux,initrd-end", u64Prop(BigInt(next.initrd.end)));
  } else {
    deleteProp(chosen, "linux,initrd-start");
    deleteProp(chosen, "linux,initrd-end");
  }
  deleteProp(chosen, "linux,elfcorehdr");
  deleteProp(chosen, "linux,usable-memory-range");
  for (const seed of ["kaslr-seed", "rng-seed"]) {
    const old = getProp(chosen, seed);
    if (old) setProp(chosen, seed, next.random(old.byteLength));
  }
  return fdt;
}
