/**
 * The ESP of the flow tests: UKIs made by the real ukify and systemd-stub around a small stand-in kernel (so
 * the fixture builds in seconds), files that are not UKIs, and a second ESP whose newest UKI carries a
 * kernel cut short. Built once per code (test/lab/build-once.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { debianParts } from "../../build/debian.ts";
import { InitramfsTree } from "../../build/lib/initramfs-tree.ts";
import { buildOnce } from "./build-once.ts";
import { buildAddon, buildUki, standInKernel } from "./target-system.ts";

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

export async function flowEsp(): Promise<FlowEsp> {
  const root = await buildOnce("flow-esp", { inputs: {}, code: import.meta.path, single: true }, async (dir) => {
    const esp = join(dir, "esp");
    const truncated = join(dir, "esp-truncated-kernel");
    mkdirSync(join(esp, "EFI/Linux"), { recursive: true });
    const parts = await debianParts();
    writeFileSync(join(dir, "kernel"), FLOW_KERNEL);
    writeFileSync(join(dir, "initrd"), FLOW_INITRD);
    const osrel = (v: string) => {
      const f = join(dir, `os-release-${v}`);
      writeFileSync(f, `ID=flow\nPRETTY_NAME="Flow OS ${v}"\nVERSION_ID=${v}\n`);
      return `@${f}`;
    };
    const uki = (name: string, v: string) =>
      buildUki(parts, {
        output: join(esp, "EFI/Linux", name),
        linux: join(dir, "kernel"),
        initrds: [join(dir, "initrd")],
        cmdline: `root=flow v=${v}`,
        osRelease: osrel(v),
        uname: "6.1.0-flow",
      });
    await uki("flow-1.efi", "1");
    await uki("flow-2.efi", "2");
    // An add-on where a UKI should be: it has no .linux.
    await buildAddon(parts, { output: join(esp, "EFI/Linux/not-a-uki.efi"), cmdline: "extra=1" });
    // A UKI cut in half: its sections run past the end of the file.
    const whole = readFileSync(join(esp, "EFI/Linux/flow-2.efi"));
    writeFileSync(join(esp, "EFI/Linux/truncated.efi"), whole.subarray(0, Math.floor(whole.length / 2)));
    mkdirSync(join(esp, "EFI/Linux/directory.efi"));
    // An ESP whose newest UKI carries a kernel cut short: the kernel would accept it and crash later.
    mkdirSync(join(truncated, "EFI/Linux"), { recursive: true });
    writeFileSync(join(dir, "kernel-cut"), FLOW_KERNEL.subarray(0, 2048));
    await buildUki(parts, {
      output: join(truncated, "EFI/Linux/flow-9.efi"),
      linux: join(dir, "kernel-cut"),
      cmdline: "v=9",
      osRelease: osrel("9"),
      uname: "6.1.0-flow",
    });
    writeFileSync(join(truncated, "EFI/Linux/flow-2.efi"), readFileSync(join(esp, "EFI/Linux/flow-2.efi")));
  });
  return { root, esp: join(root, "esp"), truncatedKernelEsp: join(root, "esp-truncated-kernel") };
}
