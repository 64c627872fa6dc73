import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planAuthenticodeHash } from "../../../src/trust/authenticode-hash.ts";
import { describeKexecSignatureCheck, inspectKernelSignature } from "../../../src/trust/kernel-signature.ts";
import { run } from "../../../build/lib/run-command.ts";
import { missingFixtureTools, readBytes, trustFixtures } from "../support/real-trust-fixtures.ts";

/** The file bytes of a section, min(VirtualSize, SizeOfRawData), as ukiboot hands .linux to kexec. */
function sectionFileBytes(uki: Uint8Array, name: string): Uint8Array {
  const s = planAuthenticodeHash(uki, uki.length, { source: "uki" }).sections.find((x) => x.name === name)!;
  return uki.subarray(s.pointerToRawData, s.pointerToRawData + Math.min(s.virtualSize, s.sizeOfRawData));
}

const missing = missingFixtureTools();

describe.skipIf(missing.length > 0)("inspectKernelSignature()", () => {
  test("the real Debian kernel inside a ukify UKI carries its own signature", async () => {
    const f = await trustFixtures();
    const linux = sectionFileBytes(readBytes(f.real.path), ".linux");
    expect(linux).toEqual(readBytes(f.real.vmlinuz)); // ukify copies the kernel unchanged
    const sig = inspectKernelSignature(linux, { source: "real.efi .linux" });
    expect(sig).toMatchObject({ kind: "signed", signers: [{ subject: "/CN=Debian Secure Boot Signer 2022 - linux", issuer: "/CN=Debian Secure Boot CA" }] });
    expect(describeKexecSignatureCheck(sig, { lockdown: "integrity" }).message).toBe(
      '.linux carries its own signature by "/CN=Debian Secure Boot Signer 2022 - linux"; the kernel is locked down (integrity), so kexec_file_load accepts it only if that signer is in the kernel\'s secondary or platform keyring',
    );
  });

  test("the same kernel with its signature removed (sbattach --remove) is an unsigned PE", async () => {
    const f = await trustFixtures();
    const path = join(mkdtempSync(join(tmpdir(), "ukiboot-kernel-")), "vmlinuz");
    copyFileSync(f.real.vmlinuz, path);
    await run(["sbattach", "--remove", path]);
    const sig = inspectKernelSignature(readBytes(path), { source: "vmlinuz" });
    expect(sig).toEqual({ kind: "unsigned" });
    const check = describeKexecSignatureCheck(sig, { lockdown: "confidentiality" });
    expect(check).toMatchObject({ kernelChecks: true, mayRefuse: true });
    expect(check.message).toStartWith(
      ".linux carries no signature of its own; the kernel is locked down (confidentiality), so kexec_file_load will refuse it with EPERM",
    );
  });

  test("a payload that is not a PE cannot carry a signature", async () => {
    const f = await trustFixtures();
    const sig = inspectKernelSignature(sectionFileBytes(readBytes(f.uki.db), ".linux"), { source: "uki.efi .linux" });
    expect(sig.kind).toBe("not-pe");
    expect(describeKexecSignatureCheck(sig, { lockdown: "none" })).toEqual({
      kernelChecks: false,
      mayRefuse: false,
      message: ".linux is not a PE image, so it carries no signature; the kernel is not locked down, so kexec_file_load does not require it",
    });
  });
});
