/**
 * The sealed disk of the measured-boot scenarios (docs/measurements.md §5): a GPT disk whose ESP holds the
 * UKI the Debian system's kernel-install made for its LUKS2 root (test/lab/debian-system.ts), with that root
 * after it, sealed by systemd-cryptenroll to the UKI's signed PCR 11 policy (test/lab/luks-root.ts). Also a
 * copy of that UKI one `.cmdline` byte apart, which `warn` boots and whose PCR 11 the policy does not sign.
 * Shared by sealed-disk.e2e.test.ts and trust-attacks.e2e.test.ts.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildOnce } from "./build-once.ts";
import { debianSystem, type DebianSystem } from "./debian-system.ts";
import { makeGptDiskImage } from "./disk-image.ts";

export interface SealedDisk {
  system: DebianSystem;
  /** The disk image: ESP (the LUKS UKI, loader.conf "timeout 0") and the LUKS2 root. Boots use a copy. */
  disk: string;
  /** The LUKS UKI with "lab.tamper=0" in its .cmdline turned into "lab.tamper=1". */
  tamperedUki: string;
}

/** The UKI with "lab.tamper=0" in its .cmdline turned into "lab.tamper=1": one byte, the signature (none here) aside. */
function tamper(uki: string, output: string): void {
  const bytes = new Uint8Array(readFileSync(uki));
  const marker = new TextEncoder().encode("lab.tamper=0");
  const at = Buffer.from(bytes).indexOf(Buffer.from(marker));
  if (at < 0) throw new Error(`Cannot tamper with "${uki}": its .cmdline has no "lab.tamper=0"`);
  bytes[at + marker.length - 1] = "1".charCodeAt(0);
  writeFileSync(output, bytes);
}

/** Builds (or reuses) the sealed disk and the tampered UKI. */
export async function sealedDisk(): Promise<SealedDisk> {
  const system = await debianSystem();
  const dir = await buildOnce(
    "sealed-disk",
    { inputs: { system }, code: import.meta.path, single: true, files: [system.luksImage, system.luksUki] },
    async (out) => {
      const tree = join(out, "esp");
      mkdirSync(join(tree, "EFI/Linux"), { recursive: true });
      mkdirSync(join(tree, "loader"), { recursive: true });
      writeFileSync(join(tree, "EFI/Linux", system.luksUkiName), readFileSync(system.luksUki));
      writeFileSync(join(tree, "loader/loader.conf"), "timeout 0\n");
      await makeGptDiskImage(join(out, "disk.img"), [
        { kind: "esp", sizeMiB: 128, tree },
        { kind: "root", sizeMiB: 640, image: system.luksImage },
      ]);
      tamper(system.luksUki, join(out, "tampered.efi"));
    },
  );
  return { system, disk: join(dir, "disk.img"), tamperedUki: join(dir, "tampered.efi") };
}
