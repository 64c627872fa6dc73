/**
 * The pipeline's initrd step (docs/initrd.md §5): the merged initrd checked against the kernel that will
 * unpack it, asked from that kernel's own image, and only when a compressed member needs it (it may mean
 * decompressing the kernel). The running kernel's configuration is not asked: it is another kernel's, which
 * may lack what the target has or have what it lacks.
 */
import { createSourceReader, sourceSize, type ByteSource } from "../../bytes/byte-source.ts";
import { readEmbeddedConfig } from "../../kernel-image/ikconfig.ts";
import { parseKernelConfig } from "../../initrd/kernel-config.ts";
import { refuseInvalidInitrd, validateInitrd } from "../../initrd/validate-initrd.ts";
import type { LoadPlan } from "../../plan/load-plan.ts";
import type { Sys } from "../../ports/sys.ts";

/**
 * The problems left after the check, as warnings; `targetKernel` is the kernel as the UKI holds it (before
 * any narrowing to a compressed payload).
 * @throws BootError when the kernel would drop members, unless `force`
 */
export async function checkInitrd(sys: Sys, plan: LoadPlan, targetKernel: ByteSource, force: boolean): Promise<{ message: string }[]> {
  const readRange = (p: string, o: number, l: number) => sys.fs.readRange(p, o, l);
  const machine = sys.kernel.machine();
  const readTargetConfig = async () => {
    const image = { read: createSourceReader(targetKernel, readRange), size: sourceSize(targetKernel) };
    const found = await readEmbeddedConfig(image, { source: plan.label, machine });
    return "config" in found ? parseKernelConfig(found.config) : { unknown: found.missing };
  };
  const validation = await validateInitrd(plan.initrd, { readRange, kernelConfig: readTargetConfig, machine });
  return refuseInvalidInitrd(validation, { force });
}
