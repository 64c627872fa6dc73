/**
 * Loading an arm64 kernel with kexec_load (docs/kexec.md §11), for boot kernels built without
 * kexec_file_load, as all of Debian's arm64 kernels are. The kernel and initrd are already in memory files;
 * this maps them, reads the running tree and the RAM map, places the segments, and makes the call.
 */
import { existsSync, readFileSync, readSync } from "node:fs";
import { BootError } from "../errors.ts";
import { ARM64_HEADER_BYTES, identifyArm64Kernel } from "../kernel-image/arm64-kernel.ts";
import { arm64Layout } from "../kexec-segments/arm64-layout.ts";
import { arm64Purgatory, ARM64_PURGATORY_BYTES } from "../kexec-segments/arm64-purgatory.ts";
import { parseFdt, serializeFdt } from "../kexec-segments/fdt.ts";
import { usableRam } from "../kexec-segments/iomem.ts";
import { treeForNextKernel } from "../kexec-segments/next-kernel-tree.ts";
import { type KexecLoadRequest, type KexecSegment, kexecLoad } from "./kexec.ts";
import { fdSize, mapReadOnly, unmap } from "./memfd.ts";

const FDT = "/sys/firmware/fdt";
const IOMEM = "/proc/iomem";
const AUXV = "/proc/self/auxv";
const AT_PAGESZ = 6n;

/** The kernel's page size, from the auxiliary vector (arm64 kernels use 4, 16 or 64 KiB pages). */
function pageSize(): number {
  const auxv = readFileSync(AUXV);
  const dv = new DataView(auxv.buffer, auxv.byteOffset, auxv.byteLength);
  for (let o = 0; o + 16 <= auxv.byteLength; o += 16) {
    if (dv.getBigUint64(o, true) === AT_PAGESZ) return Number(dv.getBigUint64(o + 8, true));
  }
  return 4096;
}

export function kexecLoadArm64(req: KexecLoadRequest): void {
  if (req.crash) {
    throw new BootError(
      `Cannot load "${req.label}" as the crash kernel: this kernel has no kexec_file_load, and ukiboot loads crash kernels with it only`,
      "For kdump on this machine use a boot kernel built with CONFIG_KEXEC_FILE, or kexec-tools' kexec -p (docs/kexec.md §11)",
    );
  }
  const header = new Uint8Array(ARM64_HEADER_BYTES);
  readSync(req.kernelFd, header, 0, header.byteLength, 0);
  const kernelBytes = fdSize(req.kernelFd);
  const kernel = identifyArm64Kernel(header, kernelBytes, `of "${req.label}"`);
  if ("error" in kernel) throw new BootError(kernel.error, "Rebuild the UKI with an arm64 kernel");
  if (kernel.kind !== "image")
    throw new BootError(
      `Cannot load "${req.label}": its kernel is still compressed when it reaches kexec_load`,
      "This is a ukiboot bug: the loader decompresses arm64 kernels first (docs/kexec.md §10)",
    );
  const textOffset = Number(new DataView(header.buffer).getBigUint64(8, true));
  const initrdBytes = req.initrdFd === null ? 0 : fdSize(req.initrdFd);

  if (!existsSync(FDT)) {
    throw new BootError(
      `Cannot load "${req.label}" with kexec_load: ${FDT} is missing, so there is no device tree to hand the next kernel`,
      "Boot the boot kernel with a device tree (UEFI or a firmware that passes one), or use a boot kernel with kexec_file_load",
    );
  }
  const fdt = parseFdt(new Uint8Array(readFileSync(FDT)), FDT);
  const ram = usableRam(readFileSync(IOMEM, "utf8"), IOMEM);
  const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
  const chosen = { cmdline: req.cmdline, random };
  // The tree's size does not depend on where the initrd goes: its two addresses are fixed-width cells.
  const sizing = serializeFdt(treeForNextKernel(fdt, initrdBytes > 0 ? { ...chosen, initrd: { start: 0, end: 0 } } : chosen));
  const page = pageSize();
  const layout = arm64Layout(
    {
      kernelBytes,
      textOffset,
      imageSize: kernel.imageSize,
      initrdBytes,
      dtbBytes: sizing.byteLength,
      purgatoryBytes: ARM64_PURGATORY_BYTES,
      ram,
      pageSize: page,
    },
    req.label,
  );
  const dtb = serializeFdt(
    treeForNextKernel(fdt, layout.initrd ? { ...chosen, initrd: { start: layout.initrd.start, end: layout.initrd.start + initrdBytes } } : chosen),
  );
  const purgatory = arm64Purgatory(layout.dtb.start, layout.kernel.start);

  const maps: { address: number; size: number }[] = [];
  try {
    const map = (fd: number, size: number, what: string) => {
      const address = mapReadOnly(fd, size, what);
      maps.push({ address, size });
      return address;
    };
    const segments: KexecSegment[] = [
      {
        buf: map(req.kernelFd, kernelBytes, `the kernel of "${req.label}"`),
        bufBytes: kernelBytes,
        mem: layout.kernel.start,
        memBytes: layout.kernel.end - layout.kernel.start,
      },
    ];
    if (layout.initrd && req.initrdFd !== null) {
      segments.push({
        buf: map(req.initrdFd, initrdBytes, `the initrd of "${req.label}"`),
        bufBytes: initrdBytes,
        mem: layout.initrd.start,
        memBytes: layout.initrd.end - layout.initrd.start,
      });
    }
    segments.push({ buf: dtb, bufBytes: dtb.byteLength, mem: layout.dtb.start, memBytes: layout.dtb.end - layout.dtb.start });
    segments.push({ buf: purgatory, bufBytes: purgatory.byteLength, mem: layout.purgatory.start, memBytes: layout.purgatory.end - layout.purgatory.start });
    kexecLoad(layout.purgatory.start, segments, req.label);
  } finally {
    // A failed unmap must not hide why the load failed; the mappings go with the process in any case.
    for (const m of maps) {
      try {
        unmap(m.address, m.size);
      } catch {}
    }
  }
}
