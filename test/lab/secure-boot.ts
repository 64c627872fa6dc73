/**
 * Secure Boot for the QEMU scenarios, with Debian's ovmf package: OVMF_CODE_4M.secboot.fd with
 * OVMF_VARS_4M.snakeoil.fd (Secure Boot on, the snakeoil certificate in PK, KEK and db), and the snakeoil
 * key the package ships for signing test binaries. The key is encrypted; its passphrase is the one the
 * package's README.Debian gives, read from there.
 */
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { DebianParts } from "../../build/debian.ts";
import { run } from "../../build/lib/run-command.ts";
import { buildOnce } from "./build-once.ts";

export const SECBOOT_CODE = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd";
export const SNAKEOIL_VARS = "/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd";
const SNAKEOIL_KEY = "/usr/share/ovmf/PkKek-1-snakeoil.key";
export const SNAKEOIL_CERT = "/usr/share/ovmf/PkKek-1-snakeoil.pem";
const README = "/usr/share/doc/ovmf/README.Debian";

/** The snakeoil key without its passphrase, for sbsign. */
export async function snakeoilKey(): Promise<{ key: string; cert: string }> {
  const dir = await buildOnce("snakeoil-key", { inputs: {}, code: import.meta.path, files: [SNAKEOIL_KEY, README], single: true }, async (out) => {
    const m = readFileSync(README, "utf8").match(/The password for the key is\s+'([^']+)'/);
    if (!m)
      throw new Error(`Cannot find the snakeoil key's passphrase in "${README}": the ovmf package changed; read the file and update test/lab/secure-boot.ts`);
    await run(["openssl", "rsa", "-in", SNAKEOIL_KEY, "-passin", `pass:${m[1]}`, "-out", join(out, "snakeoil.key")]);
  });
  return { key: join(dir, "snakeoil.key"), cert: SNAKEOIL_CERT };
}

/** Signs a PE image with the snakeoil key, after removing any signature it had (Debian's, on a kernel). */
export async function signWithSnakeoil(input: string, output: string): Promise<void> {
  const { key, cert } = await snakeoilKey();
  const bare = `${output}.unsigned`;
  copyFileSync(input, bare);
  // sbattach --remove fails on an image without a signature; that is the state wanted anyway.
  await run(["sbattach", "--remove", bare], { okCodes: [0, 1] });
  await run(["sbsign", "--key", key, "--cert", cert, "--output", output, bare]);
}

/** The Debian kernel signed with the snakeoil key: what a locked-down boot kernel accepts through db. */
export async function snakeoilKernel(parts: DebianParts): Promise<string> {
  const dir = await buildOnce(
    "snakeoil-kernel",
    { inputs: { kernel: parts.kernelVersion }, code: import.meta.path, files: [parts.vmlinuz], single: true },
    async (out) => {
      await signWithSnakeoil(parts.vmlinuz, join(out, "vmlinuz"));
    },
  );
  return join(dir, "vmlinuz");
}
