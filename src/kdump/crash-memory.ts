/**
 * Whether a crash kernel fits the memory crashkernel= reserved (docs/kdump.md §2). The kernel's kexec loader
 * places the kernel in a buffer of its init_size (what it needs to decompress and start), then the initrd,
 * all inside the reservation; asking first turns a bare ENOMEM into sizes a person can act on.
 */

/** Bytes as MiB with one decimal, the unit crashkernel= is given in: "384.0 MiB". */
export function formatMiB(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

/** A sentence when it cannot fit; undefined when it may (the kernel has the last word). */
export function crashMemoryProblem(need: { kernel: number; initSize?: number; initrd: number }, reserved: number): string | undefined {
  const kernel = Math.max(need.kernel, need.initSize ?? 0);
  const total = kernel + need.initrd;
  if (total <= reserved) return undefined;
  return `the crash kernel needs at least ${formatMiB(total)} (kernel ${formatMiB(kernel)}, initrd ${formatMiB(need.initrd)}), but crashkernel= reserved ${formatMiB(reserved)}`;
}
