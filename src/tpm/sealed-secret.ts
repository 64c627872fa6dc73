/**
 * A small secret (the boot menu's TOTP key) sealed in the TPM to PCR values in the SHA-256 bank: sealSecret()
 * creates a sealed data object under the owner hierarchy's ECC storage primary key whose only authorization is
 * TPM2_PolicyPCR over the PCRs' values at that moment; unsealSecret() loads it again and unseals it, which the
 * TPM allows only while those PCRs hold the same values. The blobs live on the ESP in the JSON text file of
 * encodeSealedSecret(); they are useless without this TPM.
 *
 * Every command goes through one TpmTransport. The transport must keep the TPM connection (with /dev/tpmrm0: the
 * file descriptor) open across the calls of one seal or unseal, since the resource manager flushes the
 * connection's handles when it is closed. Every handle made here is flushed before returning, on errors too.
 */
import { BootError, FormatError } from "../errors.ts";
import { fromHex, toHex } from "../bytes/digest.ts";
import type { TpmTransport } from "./tpm2-client.ts";
import { decodeGetCapabilityPcrsResponse, encodeGetCapabilityPcrs, PCR_COUNT } from "./tpm2-commands.ts";
import { TpmResponseError } from "./tpm2-response-code.ts";
import {
  checkPcrList,
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
  MAX_SEALED_DATA,
  TPM_ALG_KEYEDHASH,
  TPM_SE_POLICY,
  TPM_SE_TRIAL,
} from "./tpm2-seal-commands.ts";

/** The only bank ukiboot seals to. */
export type SealedSecretBank = "sha256";

/** A sealed secret as kept on the ESP. */
export interface SealedSecret {
  /** The PCRs the secret is sealed to, ascending. */
  readonly pcrs: readonly number[];
  readonly bank: SealedSecretBank;
  /** The sealed object's TPM2B_PUBLIC, size field included (what `tpm2_load -u` reads). */
  readonly public: Uint8Array;
  /** The sealed object's TPM2B_PRIVATE, size field included (what `tpm2_load -r` reads). */
  readonly private: Uint8Array;
}

/** Test seams: where the session nonce comes from, and how to wait before resending a command the TPM deferred. */
export interface SealOptions {
  random?: (n: number) => Uint8Array;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * TPM2_Unseal refused because the PCRs no longer hold the values the secret was sealed to (TPM_RC_POLICY_FAIL):
 * something measured into them changed, so the secret must be sealed again. Any other refusal is a TpmResponseError.
 */
export class SealedSecretPcrMismatchError extends BootError {
  override name = "SealedSecretPcrMismatchError";
  constructor(
    readonly pcrs: readonly number[],
    readonly bank: SealedSecretBank,
    readonly tpmError: TpmResponseError,
  ) {
    super(
      `Cannot unseal the secret: PCRs ${pcrs.join(", ")} (${bank}) differ from the values it was sealed to (TPM2_Unseal answered ${tpmError.codeName})`,
      "The firmware, its settings, Secure Boot or the boot image changed since the secret was sealed; seal it again",
      { cause: tpmError },
    );
  }
}

/** Warnings after which the command is simply sent again (TPM_RC_YIELDED, TPM_RC_TESTING, TPM_RC_RETRY; Part 2 §6.6.3). */
const RESEND_CODES = new Set([0x908, 0x90a, 0x922]);
const RESEND_DELAYS_MS = [0, 10, 50, 100, 200];
const TPM_RC_PCR_CHANGED = 0x128;
/** Format-one TPM_RC_POLICY_FAIL, whatever handle, session or parameter it names. */
const isPolicyFail = (code: number) => (code & 0x80) !== 0 && (code & 0x3f) === 0x1d;
/** How many times an unseal starts over when a PCR changed between TPM2_PolicyPCR and TPM2_Unseal. */
const PCR_CHANGED_ATTEMPTS = 3;

class TpmConversation {
  /** Handles to flush, in the order they were made. */
  readonly open: number[] = [];
  private readonly random: (n: number) => Uint8Array;
  private readonly sleep: (ms: number) => Promise<void>;
  constructor(
    private readonly transport: TpmTransport,
    opts: SealOptions,
  ) {
    this.random = opts.random ?? ((n) => crypto.getRandomValues(new Uint8Array(n)));
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Sends a command, again while the TPM answers that it could not start it yet. */
  async send(command: Uint8Array): Promise<Uint8Array> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.transport(command);
      const code = response.byteLength >= 10 ? new DataView(response.buffer, response.byteOffset).getUint32(6) : 0;
      if (!RESEND_CODES.has(code) || attempt + 1 >= RESEND_DELAYS_MS.length) return response;
      await this.sleep(RESEND_DELAYS_MS[attempt + 1]!);
    }
  }

  async createPrimary(): Promise<number> {
    const { handle } = decodeCreatePrimaryResponse(await this.send(encodeCreatePrimary()));
    this.open.push(handle);
    return handle;
  }

  /** A session whose digest is TPM2_PolicyPCR over the PCRs' current values. */
  async pcrPolicySession(type: typeof TPM_SE_POLICY | typeof TPM_SE_TRIAL, pcrs: readonly number[]): Promise<number> {
    const { handle } = decodeStartAuthSessionResponse(await this.send(encodeStartAuthSession(this.random(16), type)));
    this.open.push(handle);
    decodePolicyPcrResponse(await this.send(encodePolicyPcr(handle, pcrs)));
    return handle;
  }

  async flush(handle: number): Promise<void> {
    const i = this.open.lastIndexOf(handle);
    if (i >= 0) this.open.splice(i, 1);
    decodeFlushContextResponse(await this.send(encodeFlushContext(handle)));
  }

  /** The handle is already gone (a policy session after a successful command without continueSession). */
  forget(handle: number): void {
    const i = this.open.lastIndexOf(handle);
    if (i >= 0) this.open.splice(i, 1);
  }

  /**
   * Runs `body`, then flushes every handle still open, newest first. A failed flush is reported only when
   * `body` succeeded; otherwise the first error is the one that matters.
   */
  async run<T>(body: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await body();
    } catch (e) {
      for (const h of this.open.reverse()) await this.send(encodeFlushContext(h)).catch(() => undefined);
      this.open.length = 0;
      throw e;
    }
    let flushError: unknown;
    for (const h of [...this.open].reverse()) {
      try {
        await this.flush(h);
      } catch (e) {
        flushError ??= e;
      }
    }
    this.open.length = 0;
    if (flushError !== undefined) throw flushError;
    return result;
  }
}

/**
 * Seals `secret` (1 to 128 bytes) to the current values of `pcrs` in the SHA-256 bank.
 * @throws BootError when the TPM has not allocated those PCRs in the SHA-256 bank (the policy would bind nothing)
 * @throws TpmResponseError when the TPM refuses a command, FormatError when an answer is malformed
 */
export async function sealSecret(transport: TpmTransport, secret: Uint8Array, pcrs: readonly number[], opts: SealOptions = {}): Promise<SealedSecret> {
  if (secret.byteLength === 0 || secret.byteLength > MAX_SEALED_DATA)
    throw new RangeError(`Cannot seal ${secret.byteLength} bytes: the TPM seals 1 to ${MAX_SEALED_DATA}`);
  const selected = checkPcrList(pcrs);
  const tpm = new TpmConversation(transport, opts);
  // A PCR not allocated in the bank is left out of TPM2_PolicyPCR's digest without an error.
  const allocation = decodeGetCapabilityPcrsResponse(await tpm.send(encodeGetCapabilityPcrs()));
  const allocated = allocation.banks.find((b) => b.algorithm === "sha256")?.pcrs ?? [];
  const missing = selected.filter((p) => !allocated.includes(p));
  if (missing.length > 0) {
    throw new BootError(
      `Cannot seal the secret to PCRs ${selected.join(", ")}: the TPM's SHA-256 bank does not have PCR ${missing.join(", ")}`,
      "Enable the SHA-256 PCR bank in the firmware setup",
    );
  }
  return tpm.run(async () => {
    const primary = await tpm.createPrimary();
    const trial = await tpm.pcrPolicySession(TPM_SE_TRIAL, selected);
    const authPolicy = decodePolicyGetDigestResponse(await tpm.send(encodePolicyGetDigest(trial)));
    await tpm.flush(trial);
    const created = decodeCreateResponse(await tpm.send(encodeCreateSealed(primary, secret, authPolicy)));
    return { pcrs: selected, bank: "sha256", public: created.public, private: created.private };
  });
}

/**
 * Unseals a secret sealed by sealSecret().
 * @throws SealedSecretPcrMismatchError when the PCRs hold other values than when it was sealed
 * @throws TpmResponseError for any other refusal (TPM_RC_INTEGRITY from TPM2_Load: the blob is damaged or from
 *   another TPM or owner seed), FormatError when an answer is malformed
 */
export async function unsealSecret(transport: TpmTransport, sealed: SealedSecret, opts: SealOptions = {}): Promise<Uint8Array> {
  const pcrs = checkPcrList(sealed.pcrs);
  if (sealed.bank !== "sha256") throw new RangeError(`Cannot unseal a secret sealed to the ${String(sealed.bank)} bank`);
  const tpm = new TpmConversation(transport, opts);
  return tpm.run(async () => {
    const primary = await tpm.createPrimary();
    const { handle: item } = decodeLoadResponse(await tpm.send(encodeLoad(primary, sealed.private, sealed.public)));
    tpm.open.push(item);
    for (let attempt = 1; ; attempt++) {
      const session = await tpm.pcrPolicySession(TPM_SE_POLICY, pcrs);
      try {
        const secret = decodeUnsealResponse(await tpm.send(encodeUnseal(item, session)));
        tpm.forget(session); // continueSession was clear: the TPM flushed it
        return secret;
      } catch (e) {
        if (e instanceof TpmResponseError && isPolicyFail(e.code)) throw new SealedSecretPcrMismatchError(pcrs, "sha256", e);
        if (!(e instanceof TpmResponseError && e.code === TPM_RC_PCR_CHANGED && attempt < PCR_CHANGED_ATTEMPTS)) throw e;
        await tpm.flush(session); // a PCR was extended between PolicyPCR and Unseal: start over
      }
    }
  });
}

// --- the file on the ESP ---

/** Bumped when a field changes meaning; a newer file is refused rather than half understood. */
export const SEALED_SECRET_VERSION = 1;
/** Far more than a sealed object's blobs take; a longer file is not one. */
const MAX_FILE_CHARS = 16 * 1024;
const FIELDS = ["version", "pcrs", "bank", "public", "private"];

export function encodeSealedSecret(s: SealedSecret): string {
  return `${JSON.stringify({ version: SEALED_SECRET_VERSION, pcrs: s.pcrs, bank: s.bank, public: toHex(s.public), private: toHex(s.private) }, null, 2)}\n`;
}

/**
 * Reads the file encodeSealedSecret() wrote. `source` names the file in errors.
 * @throws FormatError naming the file and the field that is wrong
 */
export function decodeSealedSecret(text: string, source: string): SealedSecret {
  const fail = (what: string): never => {
    throw new FormatError("sealed-secret", source, `Cannot read the sealed secret "${source}": ${what}`);
  };
  if (text.length > MAX_FILE_CHARS) fail(`it is ${text.length} characters long, more than a sealed secret takes`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return fail(`it is not JSON (${(e as Error).message})`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return fail("it is not a JSON object");
  const o = v as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !FIELDS.includes(k));
  if (unknown.length > 0) fail(`it has the unknown field "${unknown[0]}"`);
  for (const k of FIELDS) if (!(k in o)) fail(`it has no "${k}"`);

  if (typeof o.version !== "number" || !Number.isInteger(o.version) || o.version < 1) fail('"version" is not a whole number from 1');
  if ((o.version as number) > SEALED_SECRET_VERSION) fail(`its version ${o.version} is newer than this ukiboot's ${SEALED_SECRET_VERSION}`);

  if (!Array.isArray(o.pcrs) || o.pcrs.length === 0) fail('"pcrs" is not a list of PCR numbers');
  const pcrs = o.pcrs as unknown[];
  pcrs.forEach((p, i) => {
    if (typeof p !== "number" || !Number.isInteger(p) || p < 0 || p >= PCR_COUNT) fail(`"pcrs[${i}]" ${JSON.stringify(p)} is not a PCR number from 0 to 23`);
    if (i > 0 && (p as number) <= (pcrs[i - 1] as number)) fail(`"pcrs" is not in ascending order without repeats at pcrs[${i}]`);
  });

  if (o.bank !== "sha256") fail(`"bank" ${JSON.stringify(o.bank)} is not "sha256"`);

  const blob = (field: "public" | "private"): Uint8Array => {
    const s = o[field];
    if (typeof s !== "string" || !/^(?:[0-9a-f]{2})+$/.test(s)) return fail(`"${field}" is not lowercase hexadecimal bytes`);
    const b = fromHex(s)!;
    const size = b.byteLength >= 2 ? (b[0]! << 8) | b[1]! : -1;
    if (size !== b.byteLength - 2 || size === 0) fail(`"${field}" is ${b.byteLength} bytes, but its TPM2B size field says ${size}`);
    return b;
  };
  const pub = blob("public");
  const priv = blob("private");
  // TPMT_PUBLIC: type, nameAlg, objectAttributes, authPolicy (a TPM2B_DIGEST of the SHA-256 policy).
  const view = new DataView(pub.buffer, pub.byteOffset, pub.byteLength);
  if (pub.byteLength < 12 + 32 || view.getUint16(2) !== TPM_ALG_KEYEDHASH || view.getUint16(4) !== 0x000b || view.getUint16(10) !== 32) {
    fail('"public" is not the public area of a sealed data object with a SHA-256 policy');
  }
  return { pcrs: pcrs as number[], bank: "sha256", public: pub, private: priv };
}
