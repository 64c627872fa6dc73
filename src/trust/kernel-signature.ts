/**
 * Whether the `.linux` payload carries an Authenticode signature of its own, which is all that
 * kexec_file_load checks under lockdown or KEXEC_SIG_FORCE (docs/kexec.md §4; docs/trust.md):
 * the kernel verifies the kernel image it is given against its own keyrings, never the UKI envelope.
 */
import { FormatError } from "../errors.ts";
import { planAuthenticodeHash } from "./authenticode-hash.ts";
import { describeCertificate, type CertificateInfo } from "./certificate.ts";
import type { LockdownMode } from "./verify-policy.ts";
import { readSignatures } from "./verify-authenticode.ts";

export type KernelSignature =
  /** A PE image with a certificate table; `signers` lists the signer certificates that could be parsed. */
  | { kind: "signed"; signers: CertificateInfo[] }
  /** A PE image without a certificate table. */
  | { kind: "unsigned" }
  /** Not a PE image (for example a decompressed arm64 Image), so it cannot carry a signature. */
  | { kind: "not-pe"; reason: string };

/**
 * Looks at the `.linux` section's file bytes, min(VirtualSize, SizeOfRawData): exactly what ukiboot hands
 * to kexec_file_load. Zero padding after the certificate table would break the kernel's own check, so the
 * layout rules of planAuthenticodeHash() (table at the very end) apply here as well.
 */
export function inspectKernelSignature(linux: Uint8Array, opts: { source: string }): KernelSignature {
  let layout;
  try {
    layout = planAuthenticodeHash(linux, linux.byteLength, opts);
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    return { kind: "not-pe", reason: e.message };
  }
  const t = layout.certificateTable;
  if (!t) return { kind: "unsigned" };
  const parsed = readSignatures(linux.subarray(t.offset, t.offset + t.length), { source: opts.source, fileOffset: t.offset });
  const signers = parsed.slots.flatMap((s) => (s.signature?.signer ? [describeCertificate(s.signature.signer)] : []));
  return { kind: "signed", signers };
}

/** What kexec_file_load will do about the kernel's signature, as one sentence for inspect and the log. */
export function describeKexecSignatureCheck(
  sig: KernelSignature,
  opts: { lockdown: LockdownMode | undefined },
): { kernelChecks: boolean; mayRefuse: boolean; message: string } {
  const locked = opts.lockdown === "integrity" || opts.lockdown === "confidentiality";
  const own =
    sig.kind === "signed"
      ? `.linux carries its own signature${sig.signers.length ? ` by "${sig.signers.map((s) => s.subject).join('", "')}"` : ""}`
      : sig.kind === "unsigned"
        ? ".linux carries no signature of its own"
        : ".linux is not a PE image, so it carries no signature";
  if (!locked) {
    return { kernelChecks: false, mayRefuse: false, message: `${own}; the kernel is not locked down, so kexec_file_load does not require it` };
  }
  if (sig.kind === "signed") {
    return {
      kernelChecks: true,
      mayRefuse: true,
      message: `${own}; the kernel is locked down (${opts.lockdown}), so kexec_file_load accepts it only if that signer is in the kernel's secondary or platform keyring`,
    };
  }
  return {
    kernelChecks: true,
    mayRefuse: true,
    message: `${own}; the kernel is locked down (${opts.lockdown}), so kexec_file_load will refuse it with EPERM (build the UKI with a signed kernel, for example ukify --sign-kernel)`,
  };
}
