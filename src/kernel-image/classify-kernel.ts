/**
 * The one classifier of a kernel image for the machine that will load it (docs/kexec.md §10): the loader's
 * pre-flight check, the initrd check's search for the kernel's configuration and `ukiboot inspect` all ask it,
 * so what inspect says of a kernel is what the boot does with it. It reads the image's first bytes only.
 */
import { type Arm64Kernel, ARM64_HEADER_BYTES, identifyArm64Kernel } from "./arm64-kernel.ts";
import { checkKernelImage, KERNEL_HEADER_BYTES, type KernelImageCheck } from "./kernel-image.ts";

/** The bytes of a kernel's start the classifier needs, whatever the machine. */
export const KERNEL_CLASSIFY_BYTES = Math.max(KERNEL_HEADER_BYTES, ARM64_HEADER_BYTES);

/** The machines ukiboot loads kernels on, as uname -m names them. */
export type KexecMachine = "x86_64" | "aarch64";

export type KernelClass =
  /** x86_64: a bzImage, as kexec_file_load's one loader there takes it. */
  | { machine: "x86_64"; kind: "bzImage"; check: KernelImageCheck }
  /** arm64: a plain Image, loaded as it is; a gzip stream or an EFI zboot image, undone by ukiboot first. */
  | ({ machine: "aarch64" } & Arm64Kernel)
  /** What the machine's loaders would refuse, as a sentence ("the kernel image is …"). */
  | { machine: KexecMachine; kind: "refused"; problem: string }
  /** A machine ukiboot does not load kernels on. */
  | { machine: string; kind: "unchecked" };

/** Maps the names a UKI's PE header gives its architecture to uname's. */
export function machineOfEfiArch(arch: string | undefined): string {
  return arch === "aa64" ? "aarch64" : arch === "x64" ? "x86_64" : (arch ?? "unknown");
}

/**
 * Classifies the kernel whose first bytes are `header`, of `size` bytes, for `machine` (uname -m); `source`
 * names it in sentences. Never throws.
 * @example classifyKernel(first616, 11_000_000, "x86_64", "\"/efi/EFI/Linux/a.efi\"").kind // "bzImage"
 */
export function classifyKernel(header: Uint8Array, size: number, machine: string, source: string): KernelClass {
  if (machine === "aarch64") {
    const k = identifyArm64Kernel(header, size, source);
    if ("error" in k) return { machine, kind: "refused", problem: k.error.replace(`Cannot use the kernel ${source}: `, "") };
    return { machine, ...k };
  }
  if (machine === "x86_64") {
    const check = checkKernelImage(header, size);
    if (check.problem !== undefined) return { machine, kind: "refused", problem: check.problem };
    return { machine, kind: "bzImage", check };
  }
  return { machine, kind: "unchecked" };
}
