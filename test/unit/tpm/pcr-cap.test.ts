/**
 * The cap's bytes (src/tpm/pcr-cap.ts, docs/measurements.md §6), field by field as TPM 2.0 Part 3 §22.2 lays
 * out TPM2_PCR_Extend. That the shim sends these bytes, and that they do on swtpm what tpm2_pcrextend does,
 * is test/integration/hooks/pcr-cap.test.ts's part.
 */
import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { toHex } from "../../../src/bytes/digest.ts";
import { PCR_CAP_PCRS, PCR_CAP_TEXT, pcrCapCommand, pcrCapDigest, pcrCapEvents, SHIM_CAP_BANKS } from "../../../src/tpm/pcr-cap.ts";

const SHA256 = createHash("sha256").update("ukiboot: leaving the boot path").digest("hex");

test("the separator is a fixed text; its SHA-256 is what both ukiboot and the shim extend", () => {
  expect(PCR_CAP_TEXT).toBe("ukiboot: leaving the boot path");
  expect(SHA256).toBe("e37d8b8d0a302474b8b0c390aef41b92d4069511cb8eb3726e1d93aced3d893e");
  expect(toHex(pcrCapDigest("sha256"))).toBe(SHA256);
});

test("TPM2_PCR_Extend of PCR 11 in the SHA-256 bank, field by field", () => {
  const fields = [
    "8002", // tag: TPM_ST_SESSIONS
    "00000041", // commandSize: 65
    "00000182", // commandCode: TPM_CC_PCR_Extend
    "0000000b", // pcrHandle: PCR 11
    "00000009", // authorizationSize: one TPMS_AUTH_COMMAND of 9 bytes
    "40000009", // sessionHandle: TPM_RS_PW
    "0000", // nonce: empty
    "00", // sessionAttributes
    "0000", // hmac: the PCR's empty auth value
    "00000001", // TPML_DIGEST_VALUES.count
    "000b", // TPM_ALG_SHA256
    SHA256,
  ];
  expect(toHex(pcrCapCommand(11, "sha256"))).toBe(fields.join(""));
  expect(pcrCapCommand(11, "sha256").byteLength).toBe(65);
});

test("PCR 12 differs only in its handle; each bank in its algorithm, digest and size", () => {
  const a = pcrCapCommand(11, "sha384");
  const b = pcrCapCommand(12, "sha384");
  expect([...a].flatMap((x, i) => (x === b[i] ? [] : [i]))).toEqual([13]);
  expect(SHIM_CAP_BANKS.map((bank) => [bank, pcrCapCommand(11, bank).byteLength, toHex(pcrCapCommand(11, bank).subarray(31, 33))])).toEqual([
    ["sha1", 53, "0004"],
    ["sha256", 65, "000b"],
    ["sha384", 81, "000c"],
    ["sha512", 97, "000d"],
  ]);
});

test("ukiboot's events: PCR 11, then PCR 12, each with the text, as a separator", () => {
  expect(PCR_CAP_PCRS).toEqual([11, 12]);
  expect(pcrCapEvents().map((e) => [e.pcr, e.eventType, e.description, new TextDecoder().decode(e.data as Uint8Array)])).toEqual([
    [11, "EV_SEPARATOR", PCR_CAP_TEXT, PCR_CAP_TEXT],
    [12, "EV_SEPARATOR", PCR_CAP_TEXT, PCR_CAP_TEXT],
  ]);
});
