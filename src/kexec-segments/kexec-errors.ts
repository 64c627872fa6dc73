/**
 * What each kexec_file_load errno means for the person at the console (docs/kexec.md §3, §4).
 * The unattended policy tries the next entry whatever the errno, so no errno is special-cased there.
 */

/** One actionable sentence per errno name. */
export const kexecHints: Record<string, string> = {
  EPERM:
    "The kernel refused: ukiboot needs CAP_SYS_BOOT (run as root), kexec may be disabled (kernel.kexec_load_disabled), or lockdown is on and the kernel image is not signed by a key this kernel trusts: sign the UKI's .linux itself (ukify SignKernel=) with a key in the kernel's keyring",
  EKEYREJECTED:
    "The kernel image's signature was rejected: the .linux inside the UKI must itself be signed by a key the running kernel trusts (its keyring, UEFI db or MOK)",
  ENOKEY: "The key that signed the kernel image is not in the running kernel's keyring: enroll it (UEFI db or MOK) or sign .linux with a trusted key",
  ENODATA: "The kernel image carries no signature and this kernel enforces signatures: sign the UKI's .linux itself (ukify SignKernel=)",
  EBADMSG: "The kernel image's signature is malformed: re-sign the UKI's .linux",
  ELIBBAD: "The kernel image's PE or Authenticode wrapper is malformed: rebuild the UKI",
  EMSGSIZE: "The kernel image's signature is malformed: re-sign the UKI's .linux",
  ENOPKG: "The kernel lacks the crypto algorithm of the kernel image's signature: sign with SHA-256 and RSA",
  ENOEXEC: "The file is not a kernel this kernel can load (not a bzImage on x86_64): check that the UKI's .linux is a Linux kernel for this architecture",
  EINVAL:
    "The kernel rejected the arguments: a flag this kernel does not know, a command line without its final NUL, or (on arm64) a kernel that is not a plain Image: rebuild the UKI for this architecture",
  EBADF: "An initrd file descriptor was missing: this is a ukiboot bug in assembling the initrd",
  EBUSY: "Another kexec load or crash-kernel update holds the kexec lock: wait and try again",
  EFBIG: "The kernel or initrd is larger than 4 GiB: make the initrd smaller",
  ENOMEM: "There is not enough memory for the new kernel and initrd (or crash-kernel memory is too small): reduce the initrd or enlarge crashkernel=",
  EADDRNOTAVAIL: "No memory hole is large enough for the kernel and initrd (or crash-kernel memory is too small): reduce the initrd or enlarge crashkernel=",
  ETXTBSY: "The kernel or initrd file is open for writing elsewhere: close the writer and try again",
  ENOSYS:
    "This kernel has no kexec_file_load (CONFIG_KEXEC_FILE): use a boot kernel built with it (on arm64 ukiboot falls back to kexec_load: docs/kexec.md §11)",
};

/** What kexec_load's errors mean (docs/kexec.md §11): the kernel checks no signature there, so lockdown refuses it. */
export const kexecLoadHints: Record<string, string> = {
  EPERM:
    "The kernel refused kexec_load: ukiboot needs CAP_SYS_BOOT (run as root), kexec may be disabled (kernel.kexec_load_disabled), or the kernel is locked down, which forbids kexec_load because it checks no signature: use a boot kernel with kexec_file_load (CONFIG_KEXEC_FILE)",
  EINVAL:
    "The kernel rejected a segment (not page-aligned, overlapping, or larger than its buffer): this is a ukiboot bug in placing the segments (docs/kexec.md §11)",
  EADDRNOTAVAIL: "A segment lies outside the memory the kernel accepts for kexec: this is a ukiboot bug in reading /proc/iomem (docs/kexec.md §11)",
  ENOMEM: "There is not enough memory to copy the kernel and initrd: give the machine more memory or make the initrd smaller",
  EBUSY: "Another kexec load holds the kexec lock: wait and try again",
  ENOSYS: "This kernel has neither kexec_file_load nor kexec_load (CONFIG_KEXEC): use a boot kernel built with kexec",
};
