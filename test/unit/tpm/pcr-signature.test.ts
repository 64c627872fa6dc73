import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { parsePcrSignature, pcrSignatureMatch, policyPcrDigest } from "../../../src/tpm/pcr-signature.ts";

const sha = (...parts: (Uint8Array | number[])[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(Uint8Array.from(p));
  return new Uint8Array(h.digest());
};
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("policyPcrDigest() (TPM 2.0 Part 3, TPM2_PolicyPCR, from an empty policy)", () => {
  test("is H(0…0 ‖ TPM_CC_PolicyPCR ‖ TPML_PCR_SELECTION{sha256: PCR 11} ‖ H(PCR 11))", () => {
    const pcr11 = sha([1, 2, 3]);
    // count 1, TPM_ALG_SHA256 (0x000b), three select bytes with bit 3 of the second set (PCR 11).
    const selection = [0, 0, 0, 1, 0x00, 0x0b, 3, 0x00, 0x08, 0x00];
    const expected = sha(new Uint8Array(32), [0, 0, 1, 0x7f], selection, sha(pcr11));
    expect(hex(policyPcrDigest("sha256", 11, pcr11))).toBe(hex(expected));
  });
});

describe("parsePcrSignature()", () => {
  test("reads systemd-measure's JSON: per bank, the PCRs, the key fingerprint and the policy digest", () => {
    const sig = parsePcrSignature('{"sha256":[{"pcrs":[11],"pkfp":"ab","pol":"CD01","sig":"AA=="}]}', "x.efi");
    expect(sig).toEqual([{ bank: "sha256", pcrs: [11], pkfp: "ab", pol: "cd01" }]);
  });
  test("says what is wrong with a .pcrsig that is not that JSON", () => {
    expect(() => parsePcrSignature("{", "x.efi")).toThrow(/\.pcrsig of "x\.efi"/);
    expect(() => parsePcrSignature('{"sha256":[{"pcrs":"11"}]}', "x.efi")).toThrow(/\.pcrsig of "x\.efi"/);
  });
});

describe("pcrSignatureMatch()", () => {
  const pcr11 = sha([9]);
  const afterInitrd = sha(pcr11, sha(new TextEncoder().encode("enter-initrd")));
  const json = (pols: Uint8Array[]) => JSON.stringify({ sha256: pols.map((p) => ({ pcrs: [11], pkfp: "00", pol: hex(p), sig: "" })) });

  test("names the phase whose PCR 11 value the signature signs", () => {
    const sig = parsePcrSignature(json([policyPcrDigest("sha256", 11, afterInitrd)]), "x.efi");
    expect(pcrSignatureMatch(sig, "sha256", pcr11)).toBe("enter-initrd");
  });
  test("is null when no phase of this PCR 11 is signed: a disk sealed to the key would not unlock", () => {
    const other = sha(sha([8]), sha(new TextEncoder().encode("enter-initrd")));
    const sig = parsePcrSignature(json([policyPcrDigest("sha256", 11, other)]), "x.efi");
    expect(pcrSignatureMatch(sig, "sha256", pcr11)).toBeNull();
  });
});
