/**
 * Recognising a bare Linux EFI-stub kernel by its header, for Type #1 `efi` targets that are not UKIs
 * (docs/entries.md §6): kexec can load those; other EFI programs are hidden.
 */

const ascii = (b: Uint8Array, at: number, s: string) => {
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
};

/**
 * Whether the first bytes of a file are a Linux kernel image that kexec_file_load understands: an x86
 * bzImage ("HdrS" at 0x202), an arm64 Image ("ARM\x64" at 0x38), a RISC-V Image ("RSC\x05" at 0x38) or
 * a generic EFI zboot image ("zimg" at 4).
 */
export function isLinuxKernelImage(head: Uint8Array): boolean {
  return ascii(head, 0x202, "HdrS") || ascii(head, 0x38, "ARM\x64") || ascii(head, 0x38, "RSC\x05") || (ascii(head, 0, "MZ") && ascii(head, 4, "zimg"));
}
