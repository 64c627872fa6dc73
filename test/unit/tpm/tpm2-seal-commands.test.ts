import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { FormatError } from "../../../src/errors.ts";
import {
  decodeCreatePrimaryResponse,
  decodeCreateResponse,
  decodeFlushContextResponse,
  decodeLoadResponse,
  decodePolicyGetDigestResponse,
  decodePolicyPcrResponse,
  decodeStartAuthSessionResponse,
  decodeUnsealResponse,
  encodeCreatePrimary,
  encodeCreateSealed,
  encodeFlushContext,
  encodeLoad,
  encodePolicyGetDigest,
  encodePolicyPcr,
  encodeStartAuthSession,
  encodeUnseal,
  marshalPcrSelection,
  policyPcrDigest,
  TPM_SE_TRIAL,
} from "../../../src/tpm/tpm2-seal-commands.ts";
import { TpmResponseError } from "../../../src/tpm/tpm2-response-code.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const fromHex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const PW_SESSION = "00000009 40000009 0000 00 0000"; // authorizationSize 9, TPM_RS_PW, empty nonce, attributes 0, empty password
const norm = (s: string) => s.replace(/\s+/g, "");

describe("command encoding (bytes checked field by field against TPM 2.0 Part 2 and 3)", () => {
  test("TPML_PCR_SELECTION for sha256:0,2,4,7,11 has one 3-byte bitmap", () => {
    // PCRs 0, 2, 4, 7 are bits 0, 2, 4, 7 of byte 0 (0x95); PCR 11 is bit 3 of byte 1 (0x08).
    expect(hex(marshalPcrSelection([11, 0, 2, 4, 7]))).toBe(norm("00000001 000b 03 950800"));
    expect(hex(marshalPcrSelection([23], "sha1"))).toBe(norm("00000001 0004 03 000080"));
  });

  test("TPM2_CreatePrimary(TPM_RH_OWNER) with tpm2_createprimary -C o -G ecc's template", () => {
    expect(hex(encodeCreatePrimary())).toBe(
      norm(
        [
          "8002", // TPM_ST_SESSIONS
          "00000043", // commandSize 67
          "00000131", // TPM_CC_CreatePrimary
          "40000001", // primaryHandle: TPM_RH_OWNER
          PW_SESSION,
          "0004 0000 0000", // inSensitive: size 4, userAuth empty, data empty
          "001a", // inPublic: TPM2B_PUBLIC of 26 bytes
          "0023", // type TPM_ALG_ECC
          "000b", // nameAlg SHA-256
          "00030072", // fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|restricted|decrypt
          "0000", // authPolicy empty
          "0006 0080 0043", // symmetric AES, 128 bits, CFB
          "0010", // scheme NULL
          "0003", // curveID NIST P-256
          "0010", // kdf NULL
          "0000 0000", // unique: empty x and y
          "0000", // outsideInfo empty
          "00000000", // creationPCR: no selections
        ].join(""),
      ),
    );
  });

  test("TPM2_StartAuthSession: unsalted, unbound policy (or trial) session with SHA-256", () => {
    const nonce = fromHex("000102030405060708090a0b0c0d0e0f");
    const expected = (type: string) =>
      norm(
        [
          "8001", // TPM_ST_NO_SESSIONS
          "0000002b", // commandSize 43
          "00000176", // TPM_CC_StartAuthSession
          "40000007", // tpmKey TPM_RH_NULL
          "40000007", // bind TPM_RH_NULL
          "0010 000102030405060708090a0b0c0d0e0f", // nonceCaller
          "0000", // encryptedSalt empty
          type, // sessionType
          "0010", // symmetric TPM_ALG_NULL
          "000b", // authHash SHA-256
        ].join(""),
      );
    expect(hex(encodeStartAuthSession(nonce))).toBe(expected("01"));
    expect(hex(encodeStartAuthSession(nonce, TPM_SE_TRIAL))).toBe(expected("03"));
    expect(encodeStartAuthSession(new Uint8Array(32)).byteLength).toBe(43 + 16);
  });

  test("TPM2_PolicyPCR with an empty pcrDigest (the TPM reads the PCRs) or a given one", () => {
    expect(hex(encodePolicyPcr(0x03000000, [0, 2, 4, 7, 11]))).toBe(norm("8001 0000001a 0000017f 03000000 0000 00000001 000b 03 950800"));
    expect(hex(encodePolicyPcr(0x03000001, [7], new Uint8Array(32).fill(0xaa)))).toBe(
      norm("8001 0000003a 0000017f 03000001 0020" + "aa".repeat(32) + "00000001 000b 03 800000"),
    );
  });

  test("TPM2_PolicyGetDigest and TPM2_FlushContext carry the handle", () => {
    expect(hex(encodePolicyGetDigest(0x03000000))).toBe(norm("8001 0000000e 00000189 03000000"));
    // FlushContext's handle is a parameter; the tag is still TPM_ST_NO_SESSIONS.
    expect(hex(encodeFlushContext(0x80000001))).toBe(norm("8001 0000000e 00000165 80000001"));
  });

  test("TPM2_Create of a sealed data object: KEYEDHASH, NULL scheme, fixedTPM|fixedParent|noDA, the policy", () => {
    const policy = "44".repeat(32);
    expect(hex(encodeCreateSealed(0x80000000, new TextEncoder().encode("abc"), fromHex(policy)))).toBe(
      norm(
        [
          "8002", // TPM_ST_SESSIONS
          "0000005a", // commandSize 90
          "00000153", // TPM_CC_Create
          "80000000", // parentHandle
          PW_SESSION,
          "0007 0000 0003 616263", // inSensitive: userAuth empty, data "abc"
          "002e", // inPublic: 46 bytes
          "0008", // type TPM_ALG_KEYEDHASH
          "000b", // nameAlg SHA-256
          "00000412", // fixedTPM|fixedParent|noDA (no userWithAuth, no sensitiveDataOrigin)
          "0020",
          policy, // authPolicy
          "0010", // scheme NULL: a sealed data object
          "0000", // unique empty
          "0000", // outsideInfo
          "00000000", // creationPCR
        ].join(""),
      ),
    );
  });

  test("TPM2_Load sends both TPM2Bs as they are, size fields included", () => {
    expect(hex(encodeLoad(0x80000000, fromHex("0003 aabbcc"), fromHex("0002 1122")))).toBe(
      norm("8002 00000024 00000157 80000000" + PW_SESSION + "0003aabbcc 00021122"),
    );
  });

  test("TPM2_Unseal is authorized by the policy session with continueSession clear", () => {
    expect(hex(encodeUnseal(0x80000001, 0x03000000))).toBe(norm("8002 0000001b 0000015e 80000001 00000009 03000000 0000 00 0000"));
  });

  test.each([
    ["no PCRs", () => encodePolicyPcr(0x03000000, []), "Cannot select no PCRs"],
    ["PCR 24", () => encodePolicyPcr(0x03000000, [24]), "Cannot select PCR 24"],
    ["a repeated PCR", () => marshalPcrSelection([7, 7]), "Cannot select PCR 7 twice"],
    ["a short nonce", () => encodeStartAuthSession(new Uint8Array(15)), "Cannot start a session with a nonce of 15 bytes"],
    ["a long nonce", () => encodeStartAuthSession(new Uint8Array(33)), "Cannot start a session with a nonce of 33 bytes"],
    ["an empty secret", () => encodeCreateSealed(0x80000000, new Uint8Array(0), new Uint8Array(32)), "Cannot seal 0 bytes"],
    ["a secret over 128 bytes", () => encodeCreateSealed(0x80000000, new Uint8Array(129), new Uint8Array(32)), "Cannot seal 129 bytes"],
    ["a SHA-1 policy", () => encodeCreateSealed(0x80000000, new Uint8Array(1), new Uint8Array(20)), "Cannot seal to a policy digest of 20 bytes"],
    ["a PCR digest of 20 bytes", () => encodePolicyPcr(0x03000000, [7], new Uint8Array(20)), "Cannot send a PCR digest of 20 bytes"],
    ["a blob whose size disagrees", () => encodeLoad(0x80000000, fromHex("0004 aabbcc"), fromHex("0002 1122")), "whose size field says 4"],
    ["a handle that is not 32 bits", () => encodeFlushContext(-1), "Cannot address handle -1"],
  ])("refuses %s", (_n, f, message) => {
    expect(f).toThrow(message);
  });
});

describe("the PolicyPCR digest computed offline", () => {
  test("matches tpm2_createpolicy --policy-pcr -l sha256:0,2,4,7,11 for all-zero PCRs", () => {
    // tpm2-tools 5.4 against a fresh swtpm, whose PCRs 0–15 are zero: `tpm2_pcrread -o pcrs.bin sha256:0,2,4,7,11`,
    // then `tpm2_createpolicy --policy-pcr -l sha256:0,2,4,7,11 -f pcrs.bin -L pol.bin`.
    const zero = () => new Uint8Array(32);
    expect(hex(policyPcrDigest([0, 2, 4, 7, 11], [zero(), zero(), zero(), zero(), zero()]))).toBe(
      "439f80a5c14bc5886386526d8527b3936696656aa51ff348db0a7a38f5953a7e",
    );
  });

  test("is SHA256(0^32 ‖ TPM_CC_PolicyPCR ‖ TPML_PCR_SELECTION ‖ SHA256(values in ascending PCR order))", () => {
    const v7 = new Uint8Array(32).fill(7);
    const v11 = new Uint8Array(32).fill(11);
    const sha = (...parts: string[]) => {
      const h = createHash("sha256");
      for (const p of parts) h.update(fromHex(p));
      return h.digest("hex");
    };
    const expected = sha("00".repeat(32), "0000017f", "00000001 000b 03 800800", sha("07".repeat(32) + "0b".repeat(32)));
    expect(hex(policyPcrDigest([7, 11], [v7, v11]))).toBe(expected);
  });

  test("refuses values that do not fit the selection", () => {
    expect(() => policyPcrDigest([7, 11], [new Uint8Array(32)])).toThrow("for 2 PCRs from 1 values");
    expect(() => policyPcrDigest([7], [new Uint8Array(20)])).toThrow("a sha256 PCR value of 20 bytes");
  });
});

describe("response decoding", () => {
  const SESSION_ACK = "0000 01 0000"; // TPMS_AUTH_RESPONSE: empty nonceTPM, continueSession, empty hmac
  const d32 = (b: string) => b.repeat(32);
  const outPublic = "005a 0023 000b 00030072 0000 0006 0080 0043 0010 0003 0010 0020" + d32("a1") + "0020" + d32("a2");
  const createPrimaryParams =
    outPublic +
    "0004 deadbeef" + // creationData (shortened)
    "0020" +
    d32("c1") + // creationHash
    "8021 40000001 0020" +
    d32("c2") + // creationTicket: TPM_ST_CREATION, TPM_RH_OWNER, digest
    "0022 000b" +
    d32("c3"); // name
  const paramBytes = fromHex(createPrimaryParams).byteLength;
  const response = (tag: string, rc: string, body: string) => {
    const b = fromHex(body);
    return fromHex(tag + (10 + b.byteLength).toString(16).padStart(8, "0") + rc + body.replace(/\s+/g, ""));
  };

  test("TPM2_CreatePrimary: handle, outPublic with its size field, name", () => {
    const r = decodeCreatePrimaryResponse(
      response("8002", "00000000", "80000000" + paramBytes.toString(16).padStart(8, "0") + createPrimaryParams + SESSION_ACK),
    );
    expect(r.handle).toBe(0x80000000);
    expect(hex(r.outPublic)).toBe(norm(outPublic));
    expect(hex(r.name)).toBe("000b" + d32("c3"));
  });

  test("TPM2_StartAuthSession: session handle and nonceTPM", () => {
    const r = decodeStartAuthSessionResponse(fromHex("8001 00000020 00000000 03000000 0010" + "ee".repeat(16)));
    expect(r).toEqual({ handle: 0x03000000, nonceTpm: new Uint8Array(16).fill(0xee) });
  });

  test("TPM2_PolicyPCR, TPM2_FlushContext: a bare header", () => {
    expect(() => decodePolicyPcrResponse(fromHex("8001 0000000a 00000000"))).not.toThrow();
    expect(() => decodeFlushContextResponse(fromHex("8001 0000000a 00000000"))).not.toThrow();
  });

  test("TPM2_PolicyGetDigest: the digest", () => {
    expect(hex(decodePolicyGetDigestResponse(fromHex("8001 0000002c 00000000 0020" + d32("5a"))))).toBe(d32("5a"));
  });

  test("TPM2_Create: outPrivate and outPublic with their size fields", () => {
    const params = "0004 deadbeef" + "0006 0008000b0000" + "0000" + "0000" + "8021 40000001 0000";
    const r = decodeCreateResponse(response("8002", "00000000", (fromHex(params).byteLength as number).toString(16).padStart(8, "0") + params + SESSION_ACK));
    expect(hex(r.private)).toBe("0004deadbeef");
    expect(hex(r.public)).toBe("00060008000b0000");
  });

  test("TPM2_Load: object handle and name", () => {
    const r = decodeLoadResponse(fromHex("8002 0000003b 00000000 80000001 00000024 0022 000b" + d32("77") + SESSION_ACK));
    expect(r.handle).toBe(0x80000001);
    expect(hex(r.name)).toBe("000b" + d32("77"));
  });

  test("TPM2_Unseal: outData", () => {
    expect(decodeUnsealResponse(fromHex("8002 00000018 00000000 00000005 0003 616263" + SESSION_ACK))).toEqual(new TextEncoder().encode("abc"));
  });

  const broken: [string, (b: Uint8Array) => unknown, Uint8Array, string][] = [
    ["a short header", decodeUnsealResponse, fromHex("8002 0000"), "it is 4 bytes, shorter than a response header"],
    ["a size that disagrees", decodeUnsealResponse, fromHex("8002 00000020 00000000 00"), "responseSize is 32, but 11 bytes arrived"],
    ["a truncated outData", decodeUnsealResponse, fromHex("8002 00000012 00000000 00000005 0003 6162"), "it is truncated"],
    ["a parameterSize past the end", decodeUnsealResponse, fromHex("8002 00000018 00000000 000000ff 0003 616263 0000 01 0000"), "it is truncated"],
    [
      "a parameterSize that disagrees",
      decodeUnsealResponse,
      fromHex("8002 00000019 00000000 00000006 0003 616263 00 0000 01 0000"),
      "parameterSize is 6, but the parameters take 5 bytes",
    ],
    ["no session area", decodeUnsealResponse, fromHex("8002 00000013 00000000 00000005 0003 616263"), "it is truncated"],
    [
      "bytes after the session area",
      decodeUnsealResponse,
      fromHex("8002 00000019 00000000 00000005 0003 616263 0000 01 0000 ff"),
      "1 bytes follow the session area",
    ],
    ["TPM_ST_NO_SESSIONS where a session was sent", decodeUnsealResponse, fromHex("8001 00000013 00000000 00000005 0003 616263"), "not TPM_ST_SESSIONS"],
    ["TPM_ST_SESSIONS where none was sent", decodeFlushContextResponse, fromHex("8002 0000000a 00000000"), "not TPM_ST_NO_SESSIONS"],
    ["bytes after the parameters", decodePolicyGetDigestResponse, fromHex("8001 0000000f 00000000 0002 aabb 00"), "1 bytes follow the parameters"],
    ["a truncated nonceTPM", decodeStartAuthSessionResponse, fromHex("8001 00000012 00000000 03000000 0010 eeee"), "it is truncated"],
    ["a Load response without the handle", decodeLoadResponse, fromHex("8002 0000000c 00000000 0000"), "it is truncated"],
    [
      "an empty outPrivate",
      decodeCreateResponse,
      fromHex("8002 00000025 00000000 00000012 0000 0002 aabb 0000 0000 8021 40000001 0000 0000 01 0000"),
      "outPrivate or outPublic is empty",
    ],
  ];
  test.each(broken)("refuses %s with a FormatError", (_name, decode, bytes, message) => {
    expect(() => decode(bytes)).toThrow(FormatError);
    expect(() => decode(bytes)).toThrow(message);
  });

  test("an error response becomes a TpmResponseError naming the code and the command", () => {
    let err: unknown;
    try {
      decodeUnsealResponse(fromHex("8001 0000000a 0000099d"));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TpmResponseError);
    expect((err as TpmResponseError).codeName).toBe("TPM_RC_POLICY_FAIL");
    expect((err as TpmResponseError).message).toBe(
      "Cannot run TPM2_Unseal on the TPM: it answered TPM_RC_POLICY_FAIL (0x99d: a policy check failed, session 1)",
    );
    expect(() => decodeLoadResponse(fromHex("8001 0000000a 000001df"))).toThrow("TPM_RC_INTEGRITY (0x1df: integrity check failed, parameter 1)");
  });
});
