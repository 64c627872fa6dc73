/**
 * The trust part of `ukiboot inspect`: the image's Authenticode signature and verdict against the current
 * anchors, whether .linux carries its own signature (what kexec_file_load checks under lockdown), and per
 * profile the PCR 11 value systemd-stub's measurements produce from zero (comparable with
 * `systemd-measure calculate` and `ukify --measure`).
 */
import { readPeHeaders, readSection } from "../pe/read-pe.ts";
import { classifyPe, effectiveSections, profileCount } from "../pe/uki.ts";
import { UKI_SECTIONS } from "../pe/uki-sections.ts";
import type { ReadOnlyFs } from "../ports/fs.ts";
import { AUTHENTICODE_HEAD_SIZE } from "../trust/authenticode-hash.ts";
import { describeKexecSignatureCheck, inspectKernelSignature, type KernelSignature } from "../trust/kernel-signature.ts";
import type { TrustStore } from "../trust/trust-store.ts";
import { type SignatureReport, verifyAuthenticodeFile } from "../trust/verify-authenticode.ts";
import type { LockdownMode } from "../trust/verify-policy.ts";
import { predictPcr11 } from "../tpm/pcr-predict.ts";

export interface InspectTrust {
  signature: SignatureReport;
  /** UKIs only. */
  kernel?: { signature: KernelSignature; kexec: string };
  /** UKIs only: per profile, SHA-256 PCR 11 after the stub's measurements and after each phase path. */
  pcr11?: { profile: number; sha256: string; phases: { phase: string; hash: string }[] }[];
}

export async function inspectTrust(fs: ReadOnlyFs, path: string, opts: { store: TrustStore; lockdown: LockdownMode | undefined }): Promise<InspectTrust> {
  const st = (await fs.stat(path))!;
  const head = await fs.readRange(path, 0, Math.min(AUTHENTICODE_HEAD_SIZE, st.size));
  const signature = await verifyAuthenticodeFile(head, st.size, (o, l) => fs.readRange(path, o, l), opts.store, { source: path });
  const { pe } = await readPeHeaders(fs, path, st.size);
  if (classifyPe(pe) !== "uki") return { signature };
  const linuxSection = effectiveSections(pe, 0).byName[".linux"]!;
  const linux = await readSection(fs, pe, linuxSection, { contents: "file" });
  const kernelSignature = inspectKernelSignature(linux, { source: `${path} .linux` });
  const kernel = { signature: kernelSignature, kexec: describeKexecSignatureCheck(kernelSignature, { lockdown: opts.lockdown }).message };
  const pcr11: NonNullable<InspectTrust["pcr11"]> = [];
  for (let k = 0; k < profileCount(pe); k++) {
    const eff = effectiveSections(pe, k);
    const sections = [];
    for (const name of UKI_SECTIONS) {
      const s = eff.byName[name];
      if (s) sections.push({ name, data: await readSection(fs, pe, s, { contents: "memory" }) });
    }
    const [p] = predictPcr11(sections, { banks: ["sha256"] });
    pcr11.push({ profile: k, sha256: p!.value, phases: p!.phases.map((x) => ({ phase: x.phase, hash: x.hash })) });
  }
  return { signature, kernel, pcr11 };
}
