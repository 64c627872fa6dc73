import { describe, expect, test } from "bun:test";
import { BootError, FormatError } from "../../../src/errors.ts";
import {
  decodeSealedSecret,
  encodeSealedSecret,
  type SealedSecret,
  SealedSecretPcrMismatchError,
  sealSecret,
  unsealSecret,
} from "../../../src/tpm/sealed-secret.ts";
import { TpmResponseError } from "../../../src/tpm/tpm2-response-code.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const fromHex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const POLICY = "44".repeat(32);
/** A sealed object's TPM2B_PUBLIC as TPM2_Create returns it: KEYEDHASH, SHA-256, 0x412, the policy, NULL scheme, unique. */
const PUBLIC = "004e 0008 000b 00000412 0020" + POLICY + "0010 0020" + "55".repeat(32);
const PRIVATE = "0006 0102030405 06";

const CC: Record<number, string> = {
  0x17a: "GetCapability",
  0x131: "CreatePrimary",
  0x176: "StartAuthSession",
  0x17f: "PolicyPCR",
  0x189: "PolicyGetDigest",
  0x153: "Create",
  0x157: "Load",
  0x15e: "Unseal",
  0x165: "FlushContext",
};

const response = (tag: number, rc: number, body = "") => {
  const b = fromHex(body);
  const out = new Uint8Array(10 + b.byteLength);
  const v = new DataView(out.buffer);
  v.setUint16(0, tag);
  v.setUint32(2, out.byteLength);
  v.setUint32(6, rc);
  out.set(b, 10);
  return out;
};
const ACK = "0000 01 0000";
const withParams = (params: string) => (fromHex(params).byteLength as number).toString(16).padStart(8, "0") + params + ACK;

/** A scripted TPM: answers by command code, records what it was sent; `answer` overrides one command's response. */
function fakeTpm(answer: Partial<Record<string, (n: number) => Uint8Array | undefined>> = {}, sha256Pcrs = "ffffff") {
  const log: string[] = [];
  const counts: Record<string, number> = {};
  const transport = async (cmd: Uint8Array): Promise<Uint8Array> => {
    const v = new DataView(cmd.buffer, cmd.byteOffset, cmd.byteLength);
    const name = CC[v.getUint32(6)] ?? "?";
    counts[name] = (counts[name] ?? 0) + 1;
    log.push(name === "FlushContext" ? `FlushContext(${v.getUint32(10).toString(16)})` : name);
    const override = answer[name.charAt(0).toLowerCase() + name.slice(1)]?.(counts[name]!);
    if (override) return override;
    switch (name) {
      case "GetCapability":
        return response(0x8001, 0, "00 00000005 00000002 0004 03 ffffff 000b 03 " + sha256Pcrs);
      case "CreatePrimary":
        return response(0x8002, 0, "80000000" + withParams("0004 00230000 0000 0000 8021 40000001 0000 0004 000b0000"));
      case "StartAuthSession":
        return response(0x8001, 0, "03000000 0010" + "ee".repeat(16));
      case "PolicyPCR":
      case "FlushContext":
        return response(0x8001, 0);
      case "PolicyGetDigest":
        return response(0x8001, 0, "0020" + POLICY);
      case "Create":
        return response(0x8002, 0, withParams(PRIVATE + PUBLIC + "0000 0000 8021 40000001 0000"));
      case "Load":
        return response(0x8002, 0, "80000001" + withParams("0004 000b0000"));
      case "Unseal":
        return response(0x8002, 0, withParams("0006 736563726574"));
    }
    throw new Error(`unexpected command ${hex(cmd)}`);
  };
  return { transport, log };
}

const noWait = { sleep: async () => {}, random: (n: number) => new Uint8Array(n).fill(0x11) };
const SEALED: SealedSecret = { pcrs: [0, 2, 4, 7, 11], bank: "sha256", public: fromHex(PUBLIC), private: fromHex(PRIVATE) };

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

describe("sealSecret()", () => {
  test("computes the policy in a trial session, creates the object under the primary, flushes both", async () => {
    const sent: Uint8Array[] = [];
    const tpm = fakeTpm();
    const sealed = await sealSecret(
      async (c) => {
        sent.push(c);
        return tpm.transport(c);
      },
      new TextEncoder().encode("secret"),
      [11, 7, 4, 2, 0],
      noWait,
    );
    expect(tpm.log).toEqual([
      "GetCapability",
      "CreatePrimary",
      "StartAuthSession",
      "PolicyPCR",
      "PolicyGetDigest",
      "FlushContext(3000000)",
      "Create",
      "FlushContext(80000000)",
    ]);
    expect(sealed).toEqual(SEALED);
    // The trial session (sessionType 3) and the policy digest from PolicyGetDigest in the template.
    expect(sent[2]![10 + 4 + 4 + 18 + 2]).toBe(0x03);
    expect(hex(sent[6]!)).toContain("0008000b000004120020" + POLICY);
  });

  test("resends a command the TPM answers with TPM_RC_RETRY", async () => {
    const tpm = fakeTpm({ create: (n) => (n === 1 ? response(0x8001, 0x922) : undefined) });
    await sealSecret(tpm.transport, new Uint8Array([1]), [7], noWait);
    expect(tpm.log.filter((c) => c === "Create")).toHaveLength(2);
  });

  test("refuses PCRs the SHA-256 bank does not have, before creating anything", async () => {
    const tpm = fakeTpm({}, "000000");
    const err = await rejection(sealSecret(tpm.transport, new Uint8Array([1]), [0, 7], noWait));
    expect(err).toBeInstanceOf(BootError);
    expect((err as Error).message).toBe("Cannot seal the secret to PCRs 0, 7: the TPM's SHA-256 bank does not have PCR 0, 7");
    expect(tpm.log).toEqual(["GetCapability"]);
  });

  test("flushes the trial session and the primary when TPM2_PolicyGetDigest fails", async () => {
    const tpm = fakeTpm({ policyGetDigest: () => response(0x8001, 0x101) });
    expect(await rejection(sealSecret(tpm.transport, new Uint8Array([1]), [7], noWait))).toBeInstanceOf(TpmResponseError);
    expect(tpm.log.slice(-2)).toEqual(["FlushContext(3000000)", "FlushContext(80000000)"]);
  });

  test.each([
    ["no PCRs", [], "Cannot select no PCRs"],
    ["PCR 24", [24], "Cannot select PCR 24"],
    ["a PCR twice", [7, 7], "Cannot select PCR 7 twice"],
  ])("refuses %s", async (_n, pcrs, message) => {
    expect(await rejection(sealSecret(fakeTpm().transport, new Uint8Array([1]), pcrs, noWait))).toHaveProperty("message", expect.stringContaining(message));
  });

  test("refuses an empty or too long secret", async () => {
    expect(await rejection(sealSecret(fakeTpm().transport, new Uint8Array(0), [7], noWait))).toHaveProperty(
      "message",
      "Cannot seal 0 bytes: the TPM seals 1 to 128",
    );
    expect(await rejection(sealSecret(fakeTpm().transport, new Uint8Array(129), [7], noWait))).toHaveProperty(
      "message",
      "Cannot seal 129 bytes: the TPM seals 1 to 128",
    );
  });
});

describe("unsealSecret()", () => {
  test("loads, satisfies the policy, unseals; the TPM flushes the session, ukiboot the object and primary", async () => {
    const tpm = fakeTpm();
    expect(new TextDecoder().decode(await unsealSecret(tpm.transport, SEALED, noWait))).toBe("secret");
    expect(tpm.log).toEqual(["CreatePrimary", "Load", "StartAuthSession", "PolicyPCR", "Unseal", "FlushContext(80000001)", "FlushContext(80000000)"]);
  });

  test("TPM_RC_POLICY_FAIL is a SealedSecretPcrMismatchError, and every handle is flushed", async () => {
    const tpm = fakeTpm({ unseal: () => response(0x8001, 0x99d) });
    const err = await rejection(unsealSecret(tpm.transport, SEALED, noWait));
    expect(err).toBeInstanceOf(SealedSecretPcrMismatchError);
    expect(err).not.toBeInstanceOf(TpmResponseError);
    expect((err as SealedSecretPcrMismatchError).tpmError.code).toBe(0x99d);
    expect((err as Error).message).toBe(
      "Cannot unseal the secret: PCRs 0, 2, 4, 7, 11 (sha256) differ from the values it was sealed to (TPM2_Unseal answered TPM_RC_POLICY_FAIL)",
    );
    expect(tpm.log.slice(-3)).toEqual(["FlushContext(3000000)", "FlushContext(80000001)", "FlushContext(80000000)"]);
  });

  test("a refused TPM2_Load is a TpmResponseError, not a PCR mismatch, and the primary is flushed", async () => {
    const tpm = fakeTpm({ load: () => response(0x8001, 0x1df) });
    const err = await rejection(unsealSecret(tpm.transport, SEALED, noWait));
    expect(err).toBeInstanceOf(TpmResponseError);
    expect((err as TpmResponseError).codeName).toBe("TPM_RC_INTEGRITY");
    expect(tpm.log).toEqual(["CreatePrimary", "Load", "FlushContext(80000000)"]);
  });

  test("TPM_RC_PCR_CHANGED between PolicyPCR and Unseal starts the policy again", async () => {
    const tpm = fakeTpm({ unseal: (n) => (n === 1 ? response(0x8001, 0x128) : undefined) });
    expect(new TextDecoder().decode(await unsealSecret(tpm.transport, SEALED, noWait))).toBe("secret");
    expect(tpm.log.slice(2)).toEqual([
      "StartAuthSession",
      "PolicyPCR",
      "Unseal",
      "FlushContext(3000000)",
      "StartAuthSession",
      "PolicyPCR",
      "Unseal",
      "FlushContext(80000001)",
      "FlushContext(80000000)",
    ]);
  });

  test("a malformed answer is a FormatError, and the handles are still flushed", async () => {
    const tpm = fakeTpm({ unseal: () => fromHex("8002 0000000c 00000000 0000") });
    expect(await rejection(unsealSecret(tpm.transport, SEALED, noWait))).toBeInstanceOf(FormatError);
    expect(tpm.log.slice(-3)).toEqual(["FlushContext(3000000)", "FlushContext(80000001)", "FlushContext(80000000)"]);
  });

  test("a failed flush after a successful unseal is reported", async () => {
    const tpm = fakeTpm({ flushContext: () => response(0x8001, 0x18b) });
    expect(await rejection(unsealSecret(tpm.transport, SEALED, noWait))).toHaveProperty("codeName", "TPM_RC_HANDLE");
    expect(tpm.log.slice(-2)).toEqual(["FlushContext(80000001)", "FlushContext(80000000)"]);
  });
});

describe("the sealed secret file", () => {
  const TEXT = [
    "{",
    '  "version": 1,',
    '  "pcrs": [',
    "    0,",
    "    2,",
    "    4,",
    "    7,",
    "    11",
    "  ],",
    '  "bank": "sha256",',
    `  "public": "${PUBLIC.replace(/\s+/g, "")}",`,
    `  "private": "${PRIVATE.replace(/\s+/g, "")}"`,
    "}",
    "",
  ].join("\n");

  test("is JSON with the version, PCRs, bank and the blobs in hex", () => {
    expect(encodeSealedSecret(SEALED)).toBe(TEXT);
    expect(decodeSealedSecret(TEXT, "ESP/loader/ukiboot/totp.json")).toEqual(SEALED);
  });

  const broken: [string, (o: Record<string, unknown>) => unknown, string][] = [
    ["not JSON", () => "{", "it is not JSON"],
    ["a list", () => [], "it is not a JSON object"],
    ["an unknown field", (o) => ({ ...o, secret: "x" }), 'it has the unknown field "secret"'],
    ["a missing field", (o) => ({ ...o, private: undefined }), 'it has no "private"'],
    ["a newer version", (o) => ({ ...o, version: 2 }), "its version 2 is newer than this ukiboot's 1"],
    ["a version that is text", (o) => ({ ...o, version: "1" }), '"version" is not a whole number from 1'],
    ["no PCRs", (o) => ({ ...o, pcrs: [] }), '"pcrs" is not a list of PCR numbers'],
    ["PCR 24", (o) => ({ ...o, pcrs: [7, 24] }), '"pcrs[1]" 24 is not a PCR number from 0 to 23'],
    ["a PCR that is text", (o) => ({ ...o, pcrs: ["7"] }), '"pcrs[0]" "7" is not a PCR number from 0 to 23'],
    ["PCRs out of order", (o) => ({ ...o, pcrs: [11, 7] }), '"pcrs" is not in ascending order without repeats at pcrs[1]'],
    ["a repeated PCR", (o) => ({ ...o, pcrs: [7, 7] }), "without repeats at pcrs[1]"],
    ["the SHA-1 bank", (o) => ({ ...o, bank: "sha1" }), '"bank" "sha1" is not "sha256"'],
    ["uppercase hex", (o) => ({ ...o, private: "0001AB" }), '"private" is not lowercase hexadecimal bytes'],
    ["an odd number of digits", (o) => ({ ...o, private: "00010" }), '"private" is not lowercase hexadecimal bytes'],
    ["a size field that disagrees", (o) => ({ ...o, private: "0005aabb" }), '"private" is 4 bytes, but its TPM2B size field says 5'],
    ["an empty TPM2B", (o) => ({ ...o, public: "0000" }), '"public" is 2 bytes, but its TPM2B size field says 0'],
    [
      "a public area that is not a sealed object",
      (o) => ({ ...o, public: "0004 0023 000b".replace(/\s/g, "") }),
      '"public" is not the public area of a sealed data object',
    ],
  ];
  test.each(broken)("%s is a FormatError naming the file and what is wrong", (_n, change, message) => {
    const changed = change(JSON.parse(TEXT));
    const text = typeof changed === "string" ? changed : JSON.stringify(changed);
    let err: unknown;
    try {
      decodeSealedSecret(text, "totp.json");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).format).toBe("sealed-secret");
    expect((err as FormatError).source).toBe("totp.json");
    expect((err as FormatError).message).toStartWith('Cannot read the sealed secret "totp.json": ');
    expect((err as FormatError).message).toContain(message);
  });

  test("a file far larger than a sealed secret is refused before parsing", () => {
    expect(() => decodeSealedSecret(" ".repeat(20000), "totp.json")).toThrow("it is 20000 characters long");
  });
});
