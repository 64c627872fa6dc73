import { describe, expect, test } from "bun:test";
import { FormatError } from "../../../src/errors.ts";
import {
  activeBanks,
  decodeGetCapabilityPcrsResponse,
  decodePcrExtendResponse,
  decodePcrReadResponse,
  encodeGetCapabilityPcrs,
  encodePcrExtend,
  encodePcrRead,
} from "../../../src/tpm/tpm2-commands.ts";
import { decodeResponseCode, TpmResponseError } from "../../../src/tpm/tpm2-response-code.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const fromHex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));

describe("command encoding (bytes checked field by field against TPM 2.0 Part 3)", () => {
  test("encodePcrExtend() for PCR 11 with one SHA-256 digest", () => {
    const digest = new Uint8Array(32).map((_, i) => i);
    expect(hex(encodePcrExtend(11, [{ algorithm: "sha256", digest }]))).toBe(
      [
        "8002", // TPM_ST_SESSIONS
        "00000041", // commandSize 65
        "00000182", // TPM_CC_PCR_Extend
        "0000000b", // pcrHandle: PCR 11
        "00000009", // authorizationSize
        "40000009", // TPM_RS_PW
        "0000", // nonce (empty)
        "00", // sessionAttributes
        "0000", // hmac (empty auth)
        "00000001", // TPML_DIGEST_VALUES.count
        "000b", // TPM_ALG_SHA256
        hex(digest),
      ].join(""),
    );
  });

  test("encodePcrExtend() lists every bank", () => {
    const cmd = encodePcrExtend(12, [
      { algorithm: "sha1", digest: new Uint8Array(20) },
      { algorithm: "sha384", digest: new Uint8Array(48) },
    ]);
    expect(cmd.length).toBe(10 + 4 + 4 + 9 + 4 + (2 + 20) + (2 + 48));
    expect(hex(cmd.subarray(27, 33))).toBe("000000020004");
  });

  test("encodePcrRead() selects one PCR bit in a 3-byte map", () => {
    expect(hex(encodePcrRead(11, ["sha256"]))).toBe("8001" + "00000014" + "0000017e" + "00000001" + "000b" + "03" + "000800");
    expect(hex(encodePcrRead(0, ["sha1"])).slice(-8)).toBe("03010000");
    expect(hex(encodePcrRead(23, ["sha1"])).slice(-8)).toBe("03000080");
  });

  test("encodeGetCapabilityPcrs() asks for TPM_CAP_PCRS", () => {
    expect(hex(encodeGetCapabilityPcrs())).toBe("8001" + "00000016" + "0000017a" + "00000005" + "00000000" + "00000001");
  });

  test.each([
    ["PCR 24", () => encodePcrExtend(24, [{ algorithm: "sha256", digest: new Uint8Array(32) }]), "Cannot address PCR 24"],
    ["no digests", () => encodePcrExtend(11, []), "Cannot extend a PCR with no digests"],
    [
      "a digest of the wrong size",
      () => encodePcrExtend(11, [{ algorithm: "sha256", digest: new Uint8Array(20) }]),
      "Cannot extend with a sha256 digest of 20 bytes",
    ],
  ])("encodePcrExtend() refuses %s", (_n, f, message) => {
    expect(f).toThrow(message);
  });
});

describe("response decoding", () => {
  test("decodeGetCapabilityPcrsResponse() reads the allocation and activeBanks() keeps allocated banks", () => {
    const response = fromHex(
      "8001 00000025 00000000" + // header, size 37
        "00 00000005 00000003" + // moreData, TPM_CAP_PCRS, count 3
        "0004 03 ffffff" + // sha1: all 24
        "000b 03 000000" + // sha256: none allocated
        "0012 03 ffffff", // SM3: all, but ukiboot cannot hash it
    );
    const allocation = decodeGetCapabilityPcrsResponse(response);
    expect(allocation.banks.map((b) => [b.algorithmId, b.algorithm, b.pcrs.length])).toEqual([
      [4, "sha1", 24],
      [11, "sha256", 0],
      [0x12, undefined, 24],
    ]);
    expect(activeBanks(allocation)).toEqual({ banks: ["sha1"], unsupported: [0x12] });
  });

  test("decodePcrReadResponse() pairs digests with the selection", () => {
    const d = "11".repeat(32);
    const r = decodePcrReadResponse(fromHex("8001 0000003e 00000000" + "00000007" + "00000001 000b 03 000800" + "00000001 0020" + d));
    expect(r.updateCounter).toBe(7);
    expect(r.values).toEqual([{ algorithm: "sha256", algorithmId: 11, pcr: 11, digest: fromHex(d) }]);
  });

  test("decodePcrExtendResponse() accepts the session acknowledgement", () => {
    expect(() => decodePcrExtendResponse(fromHex("8002 00000013 00000000 00000000 0000 01 0000"))).not.toThrow();
  });

  const broken: [string, Uint8Array, string][] = [
    ["a short header", fromHex("8001 0000"), "it is 4 bytes, shorter than a response header"],
    ["a size that disagrees", fromHex("8001 00000020 00000000 00"), "responseSize is 32, but 11 bytes arrived"],
    ["a truncated body", fromHex("8001 0000000e 00000000 00 0000 00"), "it is truncated"],
    ["a bad tag", fromHex("c4c4 0000000a 00000000"), "the tag is 0xc4c4"],
  ];
  test.each(broken)("refuses %s", (_name, bytes, message) => {
    expect(() => decodeGetCapabilityPcrsResponse(bytes)).toThrow(FormatError);
    expect(() => decodeGetCapabilityPcrsResponse(bytes)).toThrow(message);
  });

  test("a non-zero response code becomes a TpmResponseError naming the code", () => {
    let err: unknown;
    try {
      decodePcrExtendResponse(fromHex("8001 0000000a 000001c4"));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TpmResponseError);
    expect((err as TpmResponseError).message).toBe(
      "Cannot run TPM2_PCR_Extend on the TPM: it answered TPM_RC_VALUE (0x1c4: value is out of range or is not correct for the context, parameter 1)",
    );
    expect((err as TpmResponseError).codeName).toBe("TPM_RC_VALUE");
  });
});

test.each([
  [0x000, "TPM_RC_SUCCESS", undefined],
  [0x143, "TPM_RC_COMMAND_CODE", undefined],
  [0x101, "TPM_RC_FAILURE", undefined],
  [0x922, "TPM_RC_RETRY", undefined],
  [0x1c4, "TPM_RC_VALUE", "parameter 1"],
  [0x18b, "TPM_RC_HANDLE", "handle 1"],
  [0x98e, "TPM_RC_AUTH_FAIL", "session 1"],
  [0x2c4, "TPM_RC_VALUE", "parameter 2"],
  [0x002, "TPM_RC_0x2", undefined],
  [0x1ff, "TPM_RC_0xbf", "parameter 1"],
])("decodeResponseCode(%p) is %p (%p)", (code, name, subject) => {
  const d = decodeResponseCode(code);
  expect(d.name).toBe(name);
  expect(d.subject).toBe(subject as never);
});
