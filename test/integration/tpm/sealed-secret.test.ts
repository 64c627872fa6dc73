import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasProgram } from "../../../build/lib/run-command.ts";
import { digest, toHex } from "../../../src/bytes/digest.ts";
import {
  decodeSealedSecret,
  encodeSealedSecret,
  type SealedSecret,
  SealedSecretPcrMismatchError,
  sealSecret,
  unsealSecret,
} from "../../../src/tpm/sealed-secret.ts";
import { Tpm2Client, type TpmTransport } from "../../../src/tpm/tpm2-client.ts";
import { TpmResponseError } from "../../../src/tpm/tpm2-response-code.ts";
import {
  decodeCreatePrimaryResponse,
  decodeFlushContextResponse,
  encodeCreatePrimary,
  encodeFlushContext,
  policyPcrDigest,
} from "../../../src/tpm/tpm2-seal-commands.ts";
import { startSwTpm, type SwTpm } from "../../lab/swtpm.ts";

const haveSwtpm = hasProgram("swtpm");
const haveTools = hasProgram("tpm2_unseal");
if (!haveSwtpm) console.warn("the sealed-secret swtpm tests will not run (npm test counts them as failed): install the Debian package swtpm");
if (!haveTools) console.warn("the sealed-secret tpm2-tools cross-check will not run: install the Debian package tpm2-tools");

const PCRS = [0, 2, 4, 7, 11];

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

/** TPM2_GetCapability(TPM_CAP_HANDLES, first, 16), hand-assembled: the handles in one range that are loaded. */
async function loadedHandles(transport: TpmTransport, first: number): Promise<number[]> {
  // tag, size 22, TPM_CC_GetCapability, TPM_CAP_HANDLES, property: the first handle, propertyCount 16
  const cmd = Buffer.from("8001" + "00000016" + "0000017a" + "00000001" + first.toString(16).padStart(8, "0") + "00000010", "hex");
  const r = Buffer.from(await transport(new Uint8Array(cmd)));
  expect(r.readUInt32BE(6)).toBe(0);
  const count = r.readUInt32BE(15);
  return Array.from({ length: count }, (_, i) => r.readUInt32BE(19 + 4 * i));
}

async function expectNothingLoaded(transport: TpmTransport): Promise<void> {
  expect(await loadedHandles(transport, 0x80000000)).toEqual([]); // transient objects
  expect(await loadedHandles(transport, 0x02000000)).toEqual([]); // HMAC sessions
  expect(await loadedHandles(transport, 0x03000000)).toEqual([]); // policy sessions
}

describe.skipIf(!haveSwtpm)("a secret sealed to PCRs 0, 2, 4, 7, 11 in swtpm", () => {
  let tpm: SwTpm;
  let client: Tpm2Client;
  let sealed: SealedSecret;
  const secret = crypto.getRandomValues(new Uint8Array(20));
  beforeAll(async () => {
    tpm = await startSwTpm();
    client = new Tpm2Client(tpm.transport);
    // Give the selected PCRs values other than zero, as firmware would.
    for (const pcr of [0, 7]) await client.pcrExtend(pcr, [{ algorithm: "sha256", digest: digest("sha256", new TextEncoder().encode(`pcr ${pcr}`)) }]);
  });
  afterAll(async () => {
    await tpm?.stop();
  });

  test("seal, write the file, read it back, unseal: the secret comes back", async () => {
    sealed = await sealSecret(tpm.transport, secret, [11, 7, 4, 2, 0]);
    expect(sealed.pcrs).toEqual(PCRS);
    const again = decodeSealedSecret(encodeSealedSecret(sealed), "totp.json");
    expect(toHex(await unsealSecret(tpm.transport, again))).toBe(toHex(secret));
    await expectNothingLoaded(tpm.transport);
  });

  test("the object's authPolicy is the PolicyPCR digest computed offline from the PCRs' values", async () => {
    const values = [];
    for (const pcr of PCRS) values.push((await client.pcrRead(pcr, ["sha256"])).sha256!);
    // TPM2B_PUBLIC: size, type, nameAlg, objectAttributes, then authPolicy's size and digest.
    expect(toHex(sealed.public.subarray(10, 12))).toBe("0020");
    expect(toHex(sealed.public.subarray(12, 44))).toBe(toHex(policyPcrDigest(PCRS, values)));
    expect(toHex(sealed.public.subarray(2, 10))).toBe("0008000b00000412"); // KEYEDHASH, SHA-256, fixedTPM|fixedParent|noDA
  });

  test("extending PCR 12, which is not in the selection, does not matter", async () => {
    await client.pcrExtend(12, [{ algorithm: "sha256", digest: digest("sha256", new TextEncoder().encode("not selected")) }]);
    expect(toHex(await unsealSecret(tpm.transport, sealed))).toBe(toHex(secret));
  });

  test("a tampered private blob is refused by TPM2_Load with TPM_RC_INTEGRITY, not as a PCR change", async () => {
    const tampered = sealed.private.slice();
    tampered[tampered.length - 5]! ^= 0x01;
    const err = await rejection(unsealSecret(tpm.transport, { ...sealed, private: tampered }));
    expect(err).toBeInstanceOf(TpmResponseError);
    expect(err).not.toBeInstanceOf(SealedSecretPcrMismatchError);
    expect((err as TpmResponseError).command).toBe("TPM2_Load");
    expect((err as TpmResponseError).codeName).toBe("TPM_RC_INTEGRITY");
    await expectNothingLoaded(tpm.transport);
  });

  test("after extending PCR 11 the unseal fails with SealedSecretPcrMismatchError, and nothing stays loaded", async () => {
    await client.pcrExtend(11, [{ algorithm: "sha256", digest: digest("sha256", new TextEncoder().encode("another UKI")) }]);
    const err = await rejection(unsealSecret(tpm.transport, sealed));
    expect(err).toBeInstanceOf(SealedSecretPcrMismatchError);
    expect((err as SealedSecretPcrMismatchError).tpmError.codeName).toBe("TPM_RC_POLICY_FAIL");
    expect((err as Error).message).toBe(
      "Cannot unseal the secret: PCRs 0, 2, 4, 7, 11 (sha256) differ from the values it was sealed to (TPM2_Unseal answered TPM_RC_POLICY_FAIL)",
    );
    await expectNothingLoaded(tpm.transport);
  });

  test("sealing again binds to the new values", async () => {
    const resealed = await sealSecret(tpm.transport, secret, PCRS);
    expect(toHex(await unsealSecret(tpm.transport, resealed))).toBe(toHex(secret));
  });
});

describe.skipIf(!haveSwtpm || !haveTools)("tpm2-tools 5.4 loads and unseals ukiboot's sealed blob", () => {
  let tpm: SwTpm;
  let dir: string;
  beforeAll(async () => {
    tpm = await startSwTpm();
    dir = mkdtempSync(join(tmpdir(), "ukiboot-sealed-"));
  });
  afterAll(async () => {
    await tpm?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const tool = (args: string[]) => {
    const r = Bun.spawnSync(args, {
      cwd: dir,
      env: { ...process.env, TPM2TOOLS_TCTI: `swtpm:host=127.0.0.1,port=${tpm.port}` },
      stdout: "pipe",
      stderr: "pipe",
      timeout: 20000,
    });
    return { exitCode: r.exitCode, stderr: r.stderr.toString() };
  };
  /** swtpm has no resource manager: every tool leaves the objects it loaded behind, and swtpm holds only three. */
  const flushTransient = () => expect(tool(["tpm2_flushcontext", "-t"]).exitCode).toBe(0);

  test("tpm2_createprimary -C o -G ecc makes our primary key; tpm2_load and tpm2_unseal -p pcr:sha256:0,2,4,7,11 give the secret until PCR 11 changes", async () => {
    const secret = crypto.getRandomValues(new Uint8Array(20));
    const sealed = await sealSecret(tpm.transport, secret, PCRS);
    const primary = decodeCreatePrimaryResponse(await tpm.transport(encodeCreatePrimary()));
    decodeFlushContextResponse(await tpm.transport(encodeFlushContext(primary.handle)));
    tpm.disconnect(); // swtpm serves one connection at a time
    // tpm2_load reads the TPM2B_PUBLIC and TPM2B_PRIVATE with their size fields, as TPM2_Create returned them.
    writeFileSync(join(dir, "pub"), sealed.public);
    writeFileSync(join(dir, "priv"), sealed.private);

    expect(tool(["tpm2_createprimary", "-Q", "-C", "o", "-G", "ecc", "-c", "prim.ctx"])).toMatchObject({ exitCode: 0 });
    flushTransient();
    expect(tool(["tpm2_readpublic", "-Q", "-c", "prim.ctx", "-o", "prim.pub"])).toMatchObject({ exitCode: 0 });
    flushTransient();
    // The same template gives the same key from the same seed: our storagePrimaryPublic() is tpm2-tools' default.
    expect(toHex(readFileSync(join(dir, "prim.pub")))).toBe(toHex(primary.outPublic));

    expect(tool(["tpm2_load", "-Q", "-C", "prim.ctx", "-u", "pub", "-r", "priv", "-c", "obj.ctx"])).toMatchObject({ exitCode: 0 });
    flushTransient();
    expect(tool(["tpm2_unseal", "-Q", "-c", "obj.ctx", "-p", "pcr:sha256:0,2,4,7,11", "-o", "secret.out"])).toMatchObject({ exitCode: 0 });
    flushTransient();
    expect(toHex(readFileSync(join(dir, "secret.out")))).toBe(toHex(secret));

    expect(tool(["tpm2_pcrextend", `11:sha256=${"ab".repeat(32)}`])).toMatchObject({ exitCode: 0 });
    rmSync(join(dir, "secret.out"));
    const refused = tool(["tpm2_unseal", "-c", "obj.ctx", "-p", "pcr:sha256:0,2,4,7,11", "-o", "secret.out"]);
    expect(refused.exitCode).not.toBe(0);
    // "ERROR: Esys_Unseal(0x99D) - tpm:session(1):a policy check failed": TPM_RC_POLICY_FAIL, as ours says.
    expect(refused.stderr).toContain("Esys_Unseal(0x99D)");
    expect(refused.stderr).toContain("a policy check failed");
  }, 60000);
});
