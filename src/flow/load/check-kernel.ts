/**
 * The pipeline's kernel step (src/flow/load-entry.ts): the one classifier (src/kernel-image/classify-kernel.ts) asked
 * of the planned kernel, which refuses what the machine's loaders would refuse and marks what ukiboot undoes.
 */
import { BootError } from "../../errors.ts";
import { createSourceReader, sourceSize } from "../../bytes/byte-source.ts";
import type { KernelImageCheck } from "../../kernel-image/kernel-image.ts";
import { classifyKernel, KERNEL_CLASSIFY_BYTES } from "../../kernel-image/classify-kernel.ts";
import type { LoadPlan } from "../../plan/load-plan.ts";
import type { Sys } from "../../ports/sys.ts";

/**
 * Refuses a kernel image that cannot boot, before the kernel gets the chance to crash on it. On arm64 it also
 * says how the kernel is packed: a gzip stream or an EFI zboot payload is marked for the loader to undo,
 * because kexec_file_load there takes a plain Image only (docs/kexec.md §10).
 */
export async function checkKernel(sys: Sys, plan: LoadPlan): Promise<{ plan: LoadPlan; kernel: KernelImageCheck }> {
  const size = sourceSize(plan.kernel);
  const read = createSourceReader(plan.kernel, (p, o, l) => sys.fs.readRange(p, o, l));
  const header = await read(0, Math.min(KERNEL_CLASSIFY_BYTES, size));
  const k = classifyKernel(header, size, sys.kernel.machine(), `"${plan.label}"`);
  switch (k.kind) {
    case "refused":
      throw new BootError(
        `Cannot boot "${plan.label}": ${k.problem}`,
        `Rebuild or reinstall this UKI${k.machine === "aarch64" ? " with an arm64 kernel" : ""}; ukiboot tries the next entry`,
      );
    case "unchecked":
      throw new BootError(
        `Cannot boot "${plan.label}": ukiboot loads kernels on x86_64 and aarch64 only, and this machine is ${k.machine}`,
        "Boot this machine with another boot loader",
      );
    case "bzImage":
      return { plan, kernel: k.check };
    case "image":
      return { plan, kernel: { format: "arm64-image" } };
    case "gzip":
      return {
        plan: {
          ...plan,
          kernelEncoding: "gzip",
          notes: [
            ...plan.notes,
            "the kernel is a gzip-compressed arm64 Image: ukiboot decompresses it before loading, since the arm64 loaders take a plain Image",
          ],
        },
        kernel: { format: "arm64-image" },
      };
    case "zboot": {
      if (plan.kernel.type !== "range")
        throw new BootError(
          `Cannot boot "${plan.label}": its EFI zboot kernel is not one range of a file`,
          "Report this: ukiboot plans a UKI's .linux as one range",
        );
      const payload = { ...plan.kernel, offset: plan.kernel.offset + k.payloadOffset, size: k.payloadSize };
      const note = `the kernel is an EFI zboot image with a ${k.compression} payload: ukiboot decompresses it before loading, since the arm64 loaders take a plain Image`;
      return { plan: { ...plan, kernel: payload, kernelEncoding: k.compression, notes: [...plan.notes, note] }, kernel: { format: "efi-zboot" } };
    }
  }
}
