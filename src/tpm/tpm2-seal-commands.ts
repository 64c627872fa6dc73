/**
 * Marshalling of the TPM 2.0 commands that seal a small secret to PCR values and unseal it again, and
 * unmarshalling of their responses (TPM 2.0 Library Part 3 "Commands": TPM2_StartAuthSession §11.1,
 * TPM2_Create §12.1, TPM2_Load §12.2, TPM2_Unseal §12.7, TPM2_PolicyPCR §23.7, TPM2_PolicyGetDigest §23.19,
 * TPM2_CreatePrimary §24.1, TPM2_FlushContext §28.4; Part 2 "Structures" for the types). Big-endian throughout;
 * the framing (header, handles, authorization area) is the one described in tpm2-commands.ts.
 *
 * The parent is the storage primary key `tpm2_createprimary -C o -G ecc` makes (tpm2-tools 5.4), so a sealed
 * blob can also be loaded and unsealed with tpm2-tools: see storagePrimaryPublic().
 */
import { FormatError, hex } from "../errors.ts";
import type { ByteReader } from "../bytes/byte-reader.ts";
import { DIGEST_SIZE, digest, type DigestAlgorithm } from "../bytes/digest.ts";
import { concatBytes } from "../bytes/concat-bytes.ts";
import { CommandWriter, decodeWith, PCR_COUNT, PCR_SELECT_SIZE, TPM_ALG, TPM_RS_PW, TPM_ST_NO_SESSIONS, TPM_ST_SESSIONS } from "./tpm2-commands.ts";

/** TPM_CC values (Part 2 §6.5.2). */
export const TPM_CC_CreatePrimary = 0x00000131;
export const TPM_CC_Create = 0x00000153;
export const TPM_CC_Load = 0x00000157;
export const TPM_CC_Unseal = 0x0000015e;
export const TPM_CC_FlushContext = 0x00000165;
export const TPM_CC_StartAuthSession = 0x00000176;
export const TPM_CC_PolicyPCR = 0x0000017f;
export const TPM_CC_PolicyGetDigest = 0x00000189;

/** Permanent handles (Part 2 §7.4 TPM_RH). */
export const TPM_RH_OWNER = 0x40000001;
export const TPM_RH_NULL = 0x40000007;

/** TPM_SE session types (Part 2 §6.11). A trial session only computes a policy digest, it authorizes nothing. */
export const TPM_SE_POLICY = 0x01;
export const TPM_SE_TRIAL = 0x03;
export type PolicySessionType = typeof TPM_SE_POLICY | typeof TPM_SE_TRIAL;

/** TPM_ALG_ID values beyond the hashes (Part 2 §6.3) and TPM_ECC_CURVE (§6.4). */
export const TPM_ALG_AES = 0x0006;
export const TPM_ALG_KEYEDHASH = 0x0008;
export const TPM_ALG_NULL = 0x0010;
export const TPM_ALG_ECC = 0x0023;
export const TPM_ALG_CFB = 0x0043;
export const TPM_ECC_NIST_P256 = 0x0003;

/** TPMA_OBJECT bits (Part 2 §8.3.2). */
export const TPMA_OBJECT = {
  fixedTPM: 1 << 1,
  fixedParent: 1 << 4,
  sensitiveDataOrigin: 1 << 5,
  userWithAuth: 1 << 6,
  noDA: 1 << 10,
  restricted: 1 << 16,
  decrypt: 1 << 17,
} as const;

/** tpm2-tools' DEFAULT_ATTRS for tpm2_createprimary (0x00030072). */
export const STORAGE_PRIMARY_ATTRIBUTES =
  TPMA_OBJECT.fixedTPM | TPMA_OBJECT.fixedParent | TPMA_OBJECT.sensitiveDataOrigin | TPMA_OBJECT.userWithAuth | TPMA_OBJECT.restricted | TPMA_OBJECT.decrypt;

/**
 * The sealed object: bound to this TPM and parent, not userWithAuth (only the policy authorizes), no
 * sensitiveDataOrigin (the caller supplies the data), noDA (a PCR mismatch must not count towards lockout).
 */
export const SEALED_OBJECT_ATTRIBUTES = TPMA_OBJECT.fixedTPM | TPMA_OBJECT.fixedParent | TPMA_OBJECT.noDA;

/** MAX_SYM_DATA: the most a TPM2B_SENSITIVE_DATA holds (Part 2 §11.1.14, 128 on PC-client TPMs). */
export const MAX_SEALED_DATA = 128;

/** The policy session hash (authHash); PolicyPCR digests the PCR values with it too. */
const POLICY_HASH: DigestAlgorithm = "sha256";

function u16(v: number): Uint8Array {
  return new Uint8Array([v >>> 8, v & 0xff]);
}

function u32(v: number): Uint8Array {
  return new Uint8Array([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

/** A TPM2B: u16 size, then the bytes. */
export function tpm2b(bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength > 0xffff) throw new RangeError(`Cannot put ${bytes.byteLength} bytes in a TPM2B: the size field is 16 bits`);
  return concat(u16(bytes.byteLength), bytes);
}

/** The PCR numbers ascending. @throws RangeError for none, a number outside 0–23, or a repeat */
export function checkPcrList(pcrs: readonly number[]): number[] {
  if (pcrs.length === 0) throw new RangeError("Cannot select no PCRs: a PCR policy needs at least one");
  for (const p of pcrs) {
    if (!Number.isInteger(p) || p < 0 || p >= PCR_COUNT) throw new RangeError(`Cannot select PCR ${p}: PC-client TPMs have PCRs 0 to 23`);
  }
  const sorted = [...pcrs].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) throw new RangeError(`Cannot select PCR ${sorted[i]} twice`);
  return sorted;
}

/**
 * TPML_PCR_SELECTION (Part 2 §10.9.7) with one TPMS_PCR_SELECTION (§10.6.2): count 1, the bank's TPM_ALG_ID,
 * sizeofSelect 3 and the bitmap (bit n of byte n/8 selects PCR n), as tpm2-tools writes `sha256:0,2,4,7,11`.
 */
export function marshalPcrSelection(pcrs: readonly number[], bank: DigestAlgorithm = "sha256"): Uint8Array {
  const select = new Uint8Array(PCR_SELECT_SIZE);
  for (const p of checkPcrList(pcrs)) select[p >> 3]! |= 1 << (p & 7);
  return concat(u32(1), u16(TPM_ALG[bank]), new Uint8Array([PCR_SELECT_SIZE]), select);
}

/**
 * The policy digest TPM2_PolicyPCR leaves in a fresh SHA-256 session (Part 3 §23.7):
 * policyDigest' = SHA256(policyDigest ‖ TPM_CC_PolicyPCR ‖ TPML_PCR_SELECTION ‖ SHA256(PCR values)),
 * the values concatenated in selection order, i.e. ascending PCR number.
 * @param values the PCRs' values in the bank, in ascending PCR order
 * @param previous the session's digest before (32 zero bytes for a fresh session)
 */
export function policyPcrDigest(
  pcrs: readonly number[],
  values: readonly Uint8Array[],
  bank: DigestAlgorithm = "sha256",
  previous: Uint8Array = new Uint8Array(DIGEST_SIZE[POLICY_HASH]),
): Uint8Array {
  const sorted = checkPcrList(pcrs);
  if (values.length !== sorted.length) throw new RangeError(`Cannot compute a PCR policy for ${sorted.length} PCRs from ${values.length} values`);
  for (const v of values)
    if (v.byteLength !== DIGEST_SIZE[bank]) throw new RangeError(`Cannot compute a PCR policy: a ${bank} PCR value of ${v.byteLength} bytes`);
  if (previous.byteLength !== DIGEST_SIZE[POLICY_HASH]) throw new RangeError(`Cannot extend a policy digest of ${previous.byteLength} bytes`);
  const pcrDigest = digest(POLICY_HASH, ...values);
  return digest(POLICY_HASH, previous, u32(TPM_CC_PolicyPCR), marshalPcrSelection(sorted, bank), pcrDigest);
}

/**
 * TPMT_PUBLIC (Part 2 §12.2.4) of the storage primary key tpm2-tools 5.4 creates with
 * `tpm2_createprimary -C o -G ecc`: type ECC, nameAlg SHA-256, objectAttributes 0x00030072, empty authPolicy,
 * TPMS_ECC_PARMS (§12.2.3.6) symmetric AES-128-CFB, scheme NULL, curve NIST P-256, kdf NULL, and
 * TPMS_ECC_POINT unique (§11.2.5.2) with empty x and y. A primary key is derived from the hierarchy seed
 * and this template, so the same bytes give the same key on the same TPM.
 */
export function storagePrimaryPublic(): Uint8Array {
  return concat(
    u16(TPM_ALG_ECC), // type
    u16(TPM_ALG.sha256), // nameAlg
    u32(STORAGE_PRIMARY_ATTRIBUTES), // objectAttributes
    u16(0), // authPolicy: empty TPM2B_DIGEST
    u16(TPM_ALG_AES), // symmetric.algorithm (TPMT_SYM_DEF_OBJECT, §11.1.7)
    u16(128), // symmetric.keyBits
    u16(TPM_ALG_CFB), // symmetric.mode
    u16(TPM_ALG_NULL), // scheme (TPMT_ECC_SCHEME)
    u16(TPM_ECC_NIST_P256), // curveID
    u16(TPM_ALG_NULL), // kdf (TPMT_KDF_SCHEME)
    u16(0), // unique.x: empty
    u16(0), // unique.y: empty
  );
}

/**
 * TPMT_PUBLIC of the sealed data object: type KEYEDHASH, nameAlg SHA-256, SEALED_OBJECT_ATTRIBUTES,
 * authPolicy, TPMS_KEYEDHASH_PARMS (§12.2.3.3) with scheme NULL (TPMT_KEYEDHASH_SCHEME §11.1.23, a sealed
 * data object), and an empty unique (the TPM fills in the hash of seed and data).
 */
export function sealedObjectPublic(authPolicy: Uint8Array): Uint8Array {
  if (authPolicy.byteLength !== DIGEST_SIZE.sha256)
    throw new RangeError(`Cannot seal to a policy digest of ${authPolicy.byteLength} bytes: it must be SHA-256`);
  return concat(
    u16(TPM_ALG_KEYEDHASH), // type
    u16(TPM_ALG.sha256), // nameAlg
    u32(SEALED_OBJECT_ATTRIBUTES), // objectAttributes
    tpm2b(authPolicy), // authPolicy
    u16(TPM_ALG_NULL), // parameters.scheme
    u16(0), // unique: empty TPM2B_DIGEST
  );
}

/** The authorization area with one password session and an empty password (TPMS_AUTH_COMMAND, Part 2 §10.13.2). */
function passwordSession(w: CommandWriter): CommandWriter {
  return w
    .u32(9) // authorizationSize
    .u32(TPM_RS_PW) // sessionHandle
    .u16(0) // nonceCaller: empty
    .u8(0) // sessionAttributes
    .u16(0); // hmac: the empty password
}

function checkHandle(handle: number, what: string): void {
  if (!Number.isInteger(handle) || handle < 0 || handle > 0xffffffff) throw new RangeError(`Cannot address ${what} ${handle}: it is not a 32-bit handle`);
}

/**
 * TPM2_CreatePrimary(TPM_RH_OWNER) of the storage key in storagePrimaryPublic(), authorized by the owner's
 * empty password: inSensitive with empty userAuth and data, no outsideInfo, no creationPCR.
 */
export function encodeCreatePrimary(): Uint8Array {
  const w = new CommandWriter().u32(TPM_RH_OWNER); // primaryHandle
  passwordSession(w);
  w.u16(4).u16(0).u16(0); // inSensitive: TPM2B_SENSITIVE_CREATE (§11.1.16) of 4 bytes: userAuth and data empty
  w.bytes(tpm2b(storagePrimaryPublic())); // inPublic: TPM2B_PUBLIC (§12.2.5)
  w.u16(0); // outsideInfo: empty TPM2B_DATA
  w.u32(0); // creationPCR: empty TPML_PCR_SELECTION
  return w.finish(TPM_ST_SESSIONS, TPM_CC_CreatePrimary);
}

/** TPM2_StartAuthSession: unsalted (tpmKey TPM_RH_NULL), unbound (bind TPM_RH_NULL), symmetric NULL, authHash SHA-256. */
export function encodeStartAuthSession(nonceCaller: Uint8Array, sessionType: PolicySessionType = TPM_SE_POLICY): Uint8Array {
  if (nonceCaller.byteLength < 16 || nonceCaller.byteLength > DIGEST_SIZE.sha256) {
    throw new RangeError(`Cannot start a session with a nonce of ${nonceCaller.byteLength} bytes: it must be 16 to 32 bytes`);
  }
  return new CommandWriter()
    .u32(TPM_RH_NULL) // tpmKey: no salt
    .u32(TPM_RH_NULL) // bind: unbound
    .bytes(tpm2b(nonceCaller)) // nonceCaller
    .u16(0) // encryptedSalt: empty TPM2B_ENCRYPTED_SECRET
    .u8(sessionType) // sessionType
    .u16(TPM_ALG_NULL) // symmetric: TPMT_SYM_DEF (§11.1.6) NULL, no parameter encryption
    .u16(TPM_ALG.sha256) // authHash
    .finish(TPM_ST_NO_SESSIONS, TPM_CC_StartAuthSession);
}

/**
 * TPM2_PolicyPCR(policySession, pcrDigest, pcrs). With an empty pcrDigest the TPM digests the PCRs' current
 * values; with the expected digest it refuses (TPM_RC_VALUE) when they differ.
 */
export function encodePolicyPcr(
  policySession: number,
  pcrs: readonly number[],
  pcrDigest: Uint8Array = new Uint8Array(0),
  bank: DigestAlgorithm = "sha256",
): Uint8Array {
  checkHandle(policySession, "session");
  if (pcrDigest.byteLength !== 0 && pcrDigest.byteLength !== DIGEST_SIZE[POLICY_HASH]) {
    throw new RangeError(`Cannot send a PCR digest of ${pcrDigest.byteLength} bytes: it must be empty or SHA-256`);
  }
  return new CommandWriter()
    .u32(policySession) // policySession
    .bytes(tpm2b(pcrDigest)) // pcrDigest
    .bytes(marshalPcrSelection(pcrs, bank)) // pcrs
    .finish(TPM_ST_NO_SESSIONS, TPM_CC_PolicyPCR);
}

/** TPM2_PolicyGetDigest(policySession). */
export function encodePolicyGetDigest(policySession: number): Uint8Array {
  checkHandle(policySession, "session");
  return new CommandWriter().u32(policySession).finish(TPM_ST_NO_SESSIONS, TPM_CC_PolicyGetDigest);
}

/** TPM2_Create of a sealed data object holding `secret` under `parent` (empty password), authorized only by `authPolicy`. */
export function encodeCreateSealed(parent: number, secret: Uint8Array, authPolicy: Uint8Array): Uint8Array {
  checkHandle(parent, "parent");
  if (secret.byteLength === 0 || secret.byteLength > MAX_SEALED_DATA) {
    throw new RangeError(`Cannot seal ${secret.byteLength} bytes: a sealed data object holds 1 to ${MAX_SEALED_DATA} bytes`);
  }
  const w = new CommandWriter().u32(parent); // parentHandle
  passwordSession(w);
  w.bytes(tpm2b(concat(tpm2b(new Uint8Array(0)), tpm2b(secret)))); // inSensitive: TPMS_SENSITIVE_CREATE {userAuth empty, data}
  w.bytes(tpm2b(sealedObjectPublic(authPolicy))); // inPublic
  w.u16(0); // outsideInfo: empty
  w.u32(0); // creationPCR: empty
  return w.finish(TPM_ST_SESSIONS, TPM_CC_Create);
}

/**
 * TPM2_Load(parent, inPrivate, inPublic) with the parent's empty password. Both blobs are the complete
 * TPM2B_PRIVATE (§12.3.7) and TPM2B_PUBLIC, size fields included, as TPM2_Create returned them.
 */
export function encodeLoad(parent: number, privateBlob: Uint8Array, publicBlob: Uint8Array): Uint8Array {
  checkHandle(parent, "parent");
  checkTpm2b(privateBlob, "TPM2B_PRIVATE");
  checkTpm2b(publicBlob, "TPM2B_PUBLIC");
  const w = new CommandWriter().u32(parent); // parentHandle
  passwordSession(w);
  w.bytes(privateBlob).bytes(publicBlob);
  return w.finish(TPM_ST_SESSIONS, TPM_CC_Load);
}

function checkTpm2b(blob: Uint8Array, what: string): void {
  const size = blob.byteLength >= 2 ? (blob[0]! << 8) | blob[1]! : -1;
  if (size !== blob.byteLength - 2 || size === 0) throw new RangeError(`Cannot send a ${what} of ${blob.byteLength} bytes whose size field says ${size}`);
}

/**
 * TPM2_Unseal(itemHandle) authorized by a policy session: empty nonceCaller, sessionAttributes 0
 * (continueSession clear, so the TPM flushes the session when the command succeeds), empty hmac.
 */
export function encodeUnseal(item: number, policySession: number): Uint8Array {
  checkHandle(item, "object");
  checkHandle(policySession, "session");
  return new CommandWriter()
    .u32(item) // itemHandle
    .u32(9) // authorizationSize
    .u32(policySession) // sessionHandle
    .u16(0) // nonceCaller: empty
    .u8(0) // sessionAttributes: continueSession clear
    .u16(0) // hmac: a policy session without PolicyAuthValue/PolicyPassword has none
    .finish(TPM_ST_SESSIONS, TPM_CC_Unseal);
}

/** TPM2_FlushContext(flushHandle): the handle is a parameter, not in the handle area. */
export function encodeFlushContext(handle: number): Uint8Array {
  checkHandle(handle, "handle");
  return new CommandWriter().u32(handle).finish(TPM_ST_NO_SESSIONS, TPM_CC_FlushContext);
}

// --- responses ---

type Fail = (message: string) => never;

function failer(command: string): Fail {
  return (message) => {
    throw new FormatError("tpm", command, `Cannot decode the TPM's response to ${command}: ${message}`);
  };
}

/** A TPM2B in a response: its content and the offset after it. */
function readTpm2b(r: ByteReader, at: number): { value: Uint8Array; whole: Uint8Array; next: number } {
  const size = r.u16be(at);
  return { value: r.slice(at + 2, size), whole: r.slice(at, 2 + size), next: at + 2 + size };
}

/**
 * Splits a response to a command sent with one session: `handles` response handles, parameterSize, the
 * parameters (read by `params`, which must use exactly parameterSize bytes), then one TPMS_AUTH_RESPONSE
 * (§10.13.3: nonceTPM, sessionAttributes, hmac) that must end the response.
 */
function decodeSessionResponse<T>(
  bytes: Uint8Array,
  command: string,
  handleCount: number,
  params: (r: ByteReader, at: number) => { value: T; next: number },
): { handles: number[]; value: T } {
  const fail = failer(command);
  return decodeWith(bytes, command, (r, at, tag) => {
    if (tag !== TPM_ST_SESSIONS) fail(`the tag is ${hex(tag)}, not TPM_ST_SESSIONS`);
    const handles: number[] = [];
    for (let i = 0; i < handleCount; i++, at += 4) handles.push(r.u32be(at));
    const parameterSize = r.u32be(at);
    const start = at + 4;
    r.check(start, parameterSize);
    const { value, next } = params(r, start);
    if (next !== start + parameterSize) fail(`parameterSize is ${parameterSize}, but the parameters take ${next - start} bytes`);
    const nonce = readTpm2b(r, next);
    const hmac = readTpm2b(r, nonce.next + 1);
    if (hmac.next !== r.size) fail(`${r.size - hmac.next} bytes follow the session area`);
    return { handles, value };
  });
}

/** A response to a command sent without sessions: parameters only, which must end the response. */
function decodePlainResponse<T>(bytes: Uint8Array, command: string, params: (r: ByteReader, at: number) => { value: T; next: number }): T {
  const fail = failer(command);
  return decodeWith(bytes, command, (r, at, tag) => {
    if (tag !== TPM_ST_NO_SESSIONS) fail(`the tag is ${hex(tag)}, not TPM_ST_NO_SESSIONS`);
    const { value, next } = params(r, at);
    if (next !== r.size) fail(`${r.size - next} bytes follow the parameters`);
    return value;
  });
}

export interface CreatePrimaryResult {
  /** The transient handle of the primary key. */
  handle: number;
  /** outPublic: the TPM2B_PUBLIC with the key the TPM derived. */
  outPublic: Uint8Array;
  /** The key's TPM2B_NAME content (nameAlg ‖ digest of the public area). */
  name: Uint8Array;
}

/** TPM2_CreatePrimary response: objectHandle, then outPublic, creationData, creationHash, creationTicket, name. */
export function decodeCreatePrimaryResponse(bytes: Uint8Array): CreatePrimaryResult {
  const { handles, value } = decodeSessionResponse(bytes, "TPM2_CreatePrimary", 1, (r, at) => {
    const outPublic = readTpm2b(r, at);
    const creationData = readTpm2b(r, outPublic.next); // TPM2B_CREATION_DATA (§15.2)
    const creationHash = readTpm2b(r, creationData.next); // TPM2B_DIGEST
    const ticketDigest = readTpm2b(r, creationHash.next + 2 + 4); // TPMT_TK_CREATION (§10.7.3): tag, hierarchy, digest
    const name = readTpm2b(r, ticketDigest.next);
    return { value: { outPublic: outPublic.whole, name: name.value }, next: name.next };
  });
  return { handle: handles[0]!, ...value };
}

export interface StartAuthSessionResult {
  handle: number;
  nonceTpm: Uint8Array;
}

/** TPM2_StartAuthSession response: sessionHandle, nonceTPM. */
export function decodeStartAuthSessionResponse(bytes: Uint8Array): StartAuthSessionResult {
  return decodePlainResponse(bytes, "TPM2_StartAuthSession", (r, at) => {
    const handle = r.u32be(at);
    const nonce = readTpm2b(r, at + 4);
    return { value: { handle, nonceTpm: nonce.value }, next: nonce.next };
  });
}

/** TPM2_PolicyPCR has no response parameters. */
export function decodePolicyPcrResponse(bytes: Uint8Array): void {
  decodePlainResponse(bytes, "TPM2_PolicyPCR", (_r, at) => ({ value: undefined, next: at }));
}

/** TPM2_PolicyGetDigest response: policyDigest. */
export function decodePolicyGetDigestResponse(bytes: Uint8Array): Uint8Array {
  return decodePlainResponse(bytes, "TPM2_PolicyGetDigest", (r, at) => {
    const d = readTpm2b(r, at);
    return { value: d.value, next: d.next };
  });
}

export interface CreateResult {
  /** outPrivate: the TPM2B_PRIVATE, size field included, as TPM2_Load and tpm2_load -r take it. */
  private: Uint8Array;
  /** outPublic: the TPM2B_PUBLIC, size field included, as TPM2_Load and tpm2_load -u take it. */
  public: Uint8Array;
}

/** TPM2_Create response: outPrivate, outPublic, creationData, creationHash, creationTicket. */
export function decodeCreateResponse(bytes: Uint8Array): CreateResult {
  return decodeSessionResponse(bytes, "TPM2_Create", 0, (r, at) => {
    const outPrivate = readTpm2b(r, at);
    const outPublic = readTpm2b(r, outPrivate.next);
    const creationData = readTpm2b(r, outPublic.next);
    const creationHash = readTpm2b(r, creationData.next);
    const ticketDigest = readTpm2b(r, creationHash.next + 2 + 4);
    if (outPrivate.value.byteLength === 0 || outPublic.value.byteLength === 0) failer("TPM2_Create")("outPrivate or outPublic is empty");
    return { value: { private: outPrivate.whole, public: outPublic.whole }, next: ticketDigest.next };
  }).value;
}

export interface LoadResult {
  handle: number;
  name: Uint8Array;
}

/** TPM2_Load response: objectHandle, then name. */
export function decodeLoadResponse(bytes: Uint8Array): LoadResult {
  const { handles, value } = decodeSessionResponse(bytes, "TPM2_Load", 1, (r, at) => {
    const name = readTpm2b(r, at);
    return { value: name.value, next: name.next };
  });
  return { handle: handles[0]!, name: value };
}

/** TPM2_Unseal response: outData (TPM2B_SENSITIVE_DATA). */
export function decodeUnsealResponse(bytes: Uint8Array): Uint8Array {
  return decodeSessionResponse(bytes, "TPM2_Unseal", 0, (r, at) => {
    const data = readTpm2b(r, at);
    return { value: data.value.slice(), next: data.next };
  }).value;
}

/** TPM2_FlushContext has no response parameters. */
export function decodeFlushContextResponse(bytes: Uint8Array): void {
  decodePlainResponse(bytes, "TPM2_FlushContext", (_r, at) => ({ value: undefined, next: at }));
}
