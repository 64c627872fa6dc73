/**
 * The ESP of the flow tests: UKIs around a stand-in kernel (test/support/stand-in-kernel.ts), files that
 * are not UKIs, and a second ESP whose newest UKI carries a kernel cut short. Written by
 * test/support/uki-writer.ts once per test process.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InitramfsTree } from "../../src/initrd/initramfs-tree.ts";
import { standInKernel } from "./stand-in-kernel.ts";
import { writeAddon, writeUki } from "./uki-writer.ts";

export const FLOW_KERNEL = standInKernel();
/** A real (tiny) newc archive: ukiboot checks every member before the kernel sees it. */
export const FLOW_INITRD = new InitramfsTree().add({ type: "file", path: "hello", data: new TextEncoder().encode("stand-in initrd\n") }).toCpio();

export interface FlowEsp {
  root: string;
  /** flow-1.efi and flow-2.efi (the default), an add-on, a truncated UKI and a directory named *.efi. */
  esp: string;
  /** flow-9.efi with a kernel cut short, and flow-2.efi. */
  truncatedKernelEsp: string;
}

/** A flow UKI of version `v`. */
export function flowUki(v: string, linux: Uint8Array = FLOW_KERNEL): Uint8Array {
  return writeUki({
    linux,
    initrd: linux === FLOW_KERNEL ? FLOW_INITRD : undefined,
    cmdline: `root=flow v=${v}`,
    osRelease: `ID=flow\nPRETTY_NAME="Flow OS ${v}"\nVERSION_ID=${v}\n`,
    uname: "6.1.0-flow",
  });
}

let made: FlowEsp | undefined;

export async function flowEsp(): Promise<FlowEsp> {
  return flowEspSync();
}

/** The same, for helpers that cannot wait. */
export function flowEspSync(): FlowEsp {
  if (made) return made;
  const root = mkdtempSync(join(tmpdir(), "flow-esp-"));
  const esp = join(root, "esp");
  const truncated = join(root, "esp-truncated-kernel");
  mkdirSync(join(esp, "EFI/Linux"), { recursive: true });
  mkdirSync(join(truncated, "EFI/Linux"), { recursive: true });
  writeFileSync(join(esp, "EFI/Linux/flow-1.efi"), flowUki("1"));
  const two = flowUki("2");
  writeFileSync(join(esp, "EFI/Linux/flow-2.efi"), two);
  // An add-on where a UKI should be: it has no .linux.
  writeFileSync(join(esp, "EFI/Linux/not-a-uki.efi"), writeAddon({ cmdline: "extra=1" }));
  // A UKI cut in half: its sections run past the end of the file.
  writeFileSync(join(esp, "EFI/Linux/truncated.efi"), two.subarray(0, Math.floor(two.length / 2)));
  mkdirSync(join(esp, "EFI/Linux/directory.efi"));
  // An ESP whose newest UKI carries a kernel cut short: the kernel would accept it and crash later.
  writeFileSync(
    join(truncated, "EFI/Linux/flow-9.efi"),
    writeUki({ linux: FLOW_KERNEL.subarray(0, 2048), cmdline: "v=9", osRelease: 'ID=flow\nPRETTY_NAME="Flow OS 9"\nVERSION_ID=9\n', uname: "6.1.0-flow" }),
  );
  writeFileSync(join(truncated, "EFI/Linux/flow-2.efi"), two);
  made = { root, esp, truncatedKernelEsp: truncated };
  return made;
}
