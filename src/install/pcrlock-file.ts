/**
 * A systemd-pcrlock file (systemd.pcrlock(5)) for an image the firmware starts: what `systemd-pcrlock
 * lock-uki` writes for a UKI (the image's Authenticode digest into PCR 4, then its sections into PCR 11 as
 * systemd-stub measures them) and `lock-pe` for any other PE image (PCR 4 alone), one record per event with
 * a digest in every bank. ukiboot's boot image is such an image: with this file beside the target UKIs' own
 * (`650-kernel.pcrlock.d/`), `systemd-pcrlock make-policy` can describe a boot through ukiboot
 * (docs/install.md §2).
 */
import { DIGEST_ALGORITHMS, type DigestAlgorithm, digest, toHex } from "../bytes/digest.ts";
import { parsePe } from "../pe/pe.ts";
import { classifyPe, effectiveSections } from "../pe/uki.ts";
import { digestRangesInMemory, planAuthenticodeHash } from "../trust/authenticode-hash.ts";
import { pcr11Events, TPM2_PCR_BOOT_LOADER_CODE } from "../tpm/measurements.ts";

export interface PcrlockRecord {
  readonly pcr: number;
  readonly digests: Partial<Record<DigestAlgorithm, Uint8Array>>;
}

/** The records the firmware and systemd-stub extend when the firmware starts `image` (named `source` in errors). */
export function imagePcrlockRecords(image: Uint8Array, source: string): PcrlockRecord[] {
  const pe = parsePe(image, { source });
  const layout = planAuthenticodeHash(image, image.length, { source });
  const records: PcrlockRecord[] = [{ pcr: TPM2_PCR_BOOT_LOADER_CODE, digests: digestRangesInMemory(image, layout.ranges, DIGEST_ALGORITHMS) }];
  if (classifyPe(pe) !== "uki") return records;
  // The base profile: the firmware starts a UKI without choosing one, and the stub then measures profile 0.
  const sections = Object.values(effectiveSections(pe, 0).byName).map((s) => {
    const data = new Uint8Array(s.virtualSize);
    data.set(image.subarray(s.fileOffset, s.fileOffset + s.fileSize));
    return { name: s.name, size: s.virtualSize, data };
  });
  for (const e of pcr11Events(sections)) {
    const bytes = e.data as Uint8Array;
    records.push({ pcr: e.pcr, digests: Object.fromEntries(DIGEST_ALGORITHMS.map((a) => [a, digest(a, bytes)])) });
  }
  return records;
}

/** The file's text: compact JSON and a newline, as systemd-pcrlock writes it. */
export function formatPcrlockFile(records: readonly PcrlockRecord[]): string {
  const json = {
    records: records.map((r) => ({
      pcr: r.pcr,
      digests: DIGEST_ALGORITHMS.filter((a) => r.digests[a]).map((a) => ({ hashAlg: a, digest: toHex(r.digests[a]!) })),
    })),
  };
  return `${JSON.stringify(json)}\n`;
}
