/**
 * Where kexec_load puts each piece on arm64 (docs/kexec.md §11), as kexec-tools does: the Image at its
 * `text_offset` above the lowest 2 MiB boundary of usable RAM where its whole `image_size` fits, then the
 * initrd, the device tree and the purgatory in the lowest free pages above the Image's end and within 32 GiB
 * of its base (the reach older kernels' linear map needs). Every segment starts and ends on a page.
 */
import { alignUp } from "../bytes/byte-reader.ts";
import { BootError } from "../errors.ts";
import type { PhysRange } from "./iomem.ts";

const TWO_MIB = 2 * 1024 * 1024;
const REACH = 32 * 1024 * 1024 * 1024;
/** The arm64 boot protocol's limit on the device tree. */
const MAX_DTB_BYTES = 2 * 1024 * 1024;

export interface Arm64LayoutInput {
  /** The Image's bytes in the file, its `text_offset` (header byte 8) and `image_size` (byte 16; 0 when unstated). */
  kernelBytes: number;
  textOffset: number;
  imageSize: number;
  /** 0: no initrd. */
  initrdBytes: number;
  dtbBytes: number;
  purgatoryBytes: number;
  ram: PhysRange[];
  pageSize: number;
}

export interface Arm64Layout {
  /** Where the Image starts, which is where the purgatory jumps. */
  kernel: PhysRange;
  initrd: PhysRange | undefined;
  dtb: PhysRange;
  purgatory: PhysRange;
}

/**
 * Places the pieces; `label` names what is loaded in the message.
 * @throws BootError when a piece does not fit in the usable RAM.
 */
export function arm64Layout(input: Arm64LayoutInput, label: string): Arm64Layout {
  const page = input.pageSize;
  if (input.dtbBytes > MAX_DTB_BYTES) {
    throw new BootError(
      `Cannot load "${label}": its device tree would be ${input.dtbBytes} bytes, more than the 2 MiB the arm64 boot protocol allows`,
      "Boot this kernel from a boot kernel whose device tree is smaller",
    );
  }
  const kernelMem = alignUp(Math.max(input.imageSize, input.kernelBytes), page);
  let kernel: PhysRange | undefined;
  for (const r of input.ram) {
    const start = alignUp(r.start, TWO_MIB) + input.textOffset;
    if (start + kernelMem <= r.end) {
      kernel = { start, end: start + kernelMem };
      break;
    }
  }
  const noRoom = (what: string, bytes: number) =>
    new BootError(
      `Cannot load "${label}": no free range of usable RAM holds its ${what} (${bytes} bytes)`,
      "Give the machine more memory, or boot a smaller kernel or initrd",
    );
  if (!kernel) throw noRoom("kernel", kernelMem);

  const taken: PhysRange[] = [kernel];
  const limit = kernel.start - input.textOffset + REACH;
  const place = (bytes: number, what: string): PhysRange => {
    const size = alignUp(bytes, page);
    for (const r of input.ram) {
      let start = alignUp(Math.max(r.start, kernel.end), page);
      for (const t of [...taken].sort((a, b) => a.start - b.start)) {
        if (start < t.end && t.start < start + size) start = alignUp(t.end, page);
      }
      if (start + size <= Math.min(r.end, limit)) {
        const range = { start, end: start + size };
        taken.push(range);
        return range;
      }
    }
    throw noRoom(what, bytes);
  };
  const initrd = input.initrdBytes > 0 ? place(input.initrdBytes, "initrd") : undefined;
  const dtb = place(input.dtbBytes, "device tree");
  const purgatory = place(input.purgatoryBytes, "purgatory");
  return { kernel, initrd, dtb, purgatory };
}
