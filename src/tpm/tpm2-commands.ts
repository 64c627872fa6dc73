/**
 * Marshalling of the three TPM 2.0 commands ukiboot sends through /dev/tpmrm0 and unmarshalling of their
 * responses (TPM 2.0 Library Part 3 "Commands": TPM2_PCR_Extend §22.2, TPM2_PCR_Read §22.4,
 * TPM2_GetCapability §30.2; Part 2 for the structures). All integers are big-endian.
 *
 * Command:  tag (u16) | commandSize (u32) | commandCode (u32) | handles | [authorizationSize (u32) | sessions] | parameters
 * Response: tag (u16) | responseSize (u32) | responseCode (u32) | [parameterSize (u32)] | parameters | [sessions]
 */
import { FormatError, hex } from "../errors.ts";
import { ByteReader } from "../bytes/byte-reader.ts";
import { DIGEST_SIZE, type DigestAlgorithm } from "../bytes/digest.ts";
import { TpmResponseError } from "./tpm2-response-code.ts";

export const TPM_ST_NO_SESSIONS = 0x8001;
export const TPM_ST_SESSIONS = 0x8002;
export const TPM_CC_PCR_Extend = 0x00000182;
export const TPM_CC_PCR_Read = 0x0000017e;
export const TPM_CC_GetCapability = 0x0000017a;
/** The password authorization session; PCRs 0–15 have an empty auth value. */
export const TPM_RS_PW = 0x40000009;
export const TPM_CAP_PCRS = 0x00000005;
/** PCR_Read and PCR allocations use 3 select bytes for the 24 PC-client PCRs. */
export const PCR_SELECT_SIZE = 3;
export const PCR_COUNT = 24;

/** TPM_ALG_ID of each bank ukiboot can hash. */
export const TPM_ALG: Record<DigestAlgorithm, number> = { sha1: 0x0004, sha256: 0x000b, sha384: 0x000c, sha512: 0x000d };
const ALG_BY_ID = new Map<number, DigestAlgorithm>(Object.entries(TPM_ALG).map(([k, v]) => [v, k as DigestAlgorithm]));

export function algorithmFromTpm(id: number): DigestAlgorithm | undefined {
  return ALG_BY_ID.get(id);
}

/** A digest for one bank (TPMT_HA). */
export interface BankDigest {
  algorithm: DigestAlgorithm;
  digest: Uint8Array;
}

/** Big-endian writer for command buffers. */
export class CommandWriter {
  private parts: number[] = [];
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    return this.u16(v >>> 16).u16(v);
  }
  bytes(b: Uint8Array): this {
    for (const x of b) this.parts.push(x);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  /** Prepends the 10-byte header with the final size. */
  finish(tag: number, commandCode: number): Uint8Array {
    const body = this.parts;
    const size = 10 + body.length;
    const out = new Uint8Array(size);
    const v = new DataView(out.buffer);
    v.setUint16(0, tag); // tag
    v.setUint32(2, size); // commandSize
    v.setUint32(6, commandCode); // commandCode
    out.set(body, 10);
    return out;
  }
}

function checkPcr(pcr: number): void {
  if (!Number.isInteger(pcr) || pcr < 0 || pcr >= PCR_COUNT) throw new RangeError(`Cannot address PCR ${pcr}: PC-client TPMs have PCRs 0 to 23`);
}

/**
 * TPM2_PCR_Extend(pcrHandle, digests) with an empty password session, one TPMT_HA per bank.
 * @example encodePcrExtend(11, [{ algorithm: "sha256", digest }])
 */
export function encodePcrExtend(pcr: number, digests: BankDigest[]): Uint8Array {
  checkPcr(pcr);
  if (digests.length === 0) throw new RangeError("Cannot extend a PCR with no digests");
  const w = new CommandWriter();
  w.u32(pcr); // pcrHandle: PCR n is handle n
  w.u32(9); // authorizationSize: one TPMS_AUTH_COMMAND of 9 bytes
  w.u32(TPM_RS_PW); // sessionHandle
  w.u16(0); // nonce: empty TPM2B
  w.u8(0); // sessionAttributes
  w.u16(0); // hmac: empty TPM2B (the PCR's empty auth value)
  w.u32(digests.length); // TPML_DIGEST_VALUES.count
  for (const d of digests) {
    if (d.digest.byteLength !== DIGEST_SIZE[d.algorithm]) throw new RangeError(`Cannot extend with a ${d.algorithm} digest of ${d.digest.byteLength} bytes`);
    w.u16(TPM_ALG[d.algorithm]).bytes(d.digest); // TPMT_HA
  }
  return w.finish(TPM_ST_SESSIONS, TPM_CC_PCR_Extend);
}

/** TPM2_PCR_Read of one PCR in the given banks (at most 8 digests come back per call). */
export function encodePcrRead(pcr: number, algorithms: DigestAlgorithm[]): Uint8Array {
  checkPcr(pcr);
  const w = new CommandWriter();
  w.u32(algorithms.length); // TPML_PCR_SELECTION.count
  for (const a of algorithms) {
    const select = new Uint8Array(PCR_SELECT_SIZE);
    select[pcr >> 3] = 1 << (pcr & 7);
    w.u16(TPM_ALG[a]).u8(PCR_SELECT_SIZE).bytes(select); // TPMS_PCR_SELECTION
  }
  return w.finish(TPM_ST_NO_SESSIONS, TPM_CC_PCR_Read);
}

/** TPM2_GetCapability(TPM_CAP_PCRS): the current PCR allocation, i.e. which banks are active. */
export function encodeGetCapabilityPcrs(): Uint8Array {
  return new CommandWriter()
    .u32(TPM_CAP_PCRS) // capability
    .u32(0) // property: unused for TPM_CAP_PCRS
    .u32(1) // propertyCount
    .finish(TPM_ST_NO_SESSIONS, TPM_CC_GetCapability);
}

/** A response's header, checked against the buffer; throws TpmResponseError for non-zero codes. */
export interface ResponseHeader {
  tag: number;
  size: number;
  responseCode: number;
}

/**
 * Checks a response's header.
 * @throws FormatError when it is shorter than its header or than responseSize says
 * @throws TpmResponseError when responseCode is not TPM_RC_SUCCESS
 */
export function decodeResponseHeader(bytes: Uint8Array, command: string): { header: ResponseHeader; reader: ByteReader } {
  const fail = (message: string): never => {
    throw new FormatError("tpm", command, `Cannot decode the TPM's response to ${command}: ${message}`);
  };
  if (bytes.byteLength < 10) fail(`it is ${bytes.byteLength} bytes, shorter than a response header`);
  const r = new ByteReader(bytes);
  const header = { tag: r.u16be(0), size: r.u32be(2), responseCode: r.u32be(6) };
  if (header.size !== bytes.byteLength) fail(`responseSize is ${header.size}, but ${bytes.byteLength} bytes arrived`);
  if (header.responseCode !== 0) throw new TpmResponseError(command, header.responseCode);
  if (header.tag !== TPM_ST_NO_SESSIONS && header.tag !== TPM_ST_SESSIONS) fail(`the tag is ${hex(header.tag)}`);
  return { header, reader: r };
}

/** Checks the header, then runs `body` at the first byte after it; reads past the end become a FormatError. */
export function decodeWith<T>(bytes: Uint8Array, command: string, body: (r: ByteReader, at: number, tag: number) => T): T {
  const { header, reader } = decodeResponseHeader(bytes, command);
  try {
    return body(reader, 10, header.tag);
  } catch (e) {
    if (e instanceof RangeError) {
      throw new FormatError("tpm", command, `Cannot decode the TPM's response to ${command}: it is truncated (${e.message})`, { cause: e });
    }
    throw e;
  }
}

/** Checks a TPM2_PCR_Extend response (it carries only the session's acknowledgement). */
export function decodePcrExtendResponse(bytes: Uint8Array): void {
  decodeWith(bytes, "TPM2_PCR_Extend", (r, at, tag) => {
    if (tag !== TPM_ST_SESSIONS) throw new FormatError("tpm", "TPM2_PCR_Extend", "Cannot decode the TPM's response to TPM2_PCR_Extend: it has no session area");
    const parameterSize = r.u32be(at);
    r.check(at + 4, parameterSize);
  });
}

/** One PCR bank's selection bitmap (TPMS_PCR_SELECTION). */
export interface PcrSelection {
  /** The TPM_ALG_ID. */
  algorithmId: number;
  /** The bank, when ukiboot can hash it. */
  algorithm: DigestAlgorithm | undefined;
  /** Selected PCR numbers, ascending. */
  pcrs: number[];
}

function readSelections(r: ByteReader, at: number): { selections: PcrSelection[]; next: number } {
  const count = r.u32be(at);
  at += 4;
  if (count > 16) throw new RangeError(`TPML_PCR_SELECTION.count is ${count}`);
  const selections: PcrSelection[] = [];
  for (let i = 0; i < count; i++) {
    const algorithmId = r.u16be(at);
    const size = r.u8(at + 2);
    const select = r.slice(at + 3, size);
    const pcrs: number[] = [];
    select.forEach((byte, j) => {
      for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) pcrs.push(j * 8 + bit);
    });
    selections.push({ algorithmId, algorithm: algorithmFromTpm(algorithmId), pcrs });
    at += 3 + size;
  }
  return { selections, next: at };
}

/** The answer to TPM2_GetCapability(TPM_CAP_PCRS). */
export interface PcrAllocation {
  moreData: boolean;
  banks: PcrSelection[];
}

export function decodeGetCapabilityPcrsResponse(bytes: Uint8Array): PcrAllocation {
  return decodeWith(bytes, "TPM2_GetCapability", (r, at) => {
    const moreData = r.u8(at) !== 0;
    const capability = r.u32be(at + 1);
    if (capability !== TPM_CAP_PCRS) {
      throw new FormatError(
        "tpm",
        "TPM2_GetCapability",
        `Cannot decode the TPM's response to TPM2_GetCapability: it answered capability ${hex(capability)}, not TPM_CAP_PCRS`,
      );
    }
    return { moreData, banks: readSelections(r, at + 5).selections };
  });
}

/**
 * The banks to extend: those with at least one PCR allocated, in the TPM's order. Banks ukiboot cannot
 * hash (SM3) are returned separately so the caller can say they were skipped.
 */
export function activeBanks(allocation: PcrAllocation): { banks: DigestAlgorithm[]; unsupported: number[] } {
  const banks: DigestAlgorithm[] = [];
  const unsupported: number[] = [];
  for (const b of allocation.banks) {
    if (b.pcrs.length === 0) continue;
    if (b.algorithm) banks.push(b.algorithm);
    else unsupported.push(b.algorithmId);
  }
  return { banks, unsupported };
}

/** The answer to TPM2_PCR_Read. */
export interface PcrReadResult {
  updateCounter: number;
  /** The selection the TPM actually read (it may drop banks it does not have). */
  selections: PcrSelection[];
  /** Digests in selection order: for each selection, for each selected PCR. */
  values: { algorithm: DigestAlgorithm | undefined; algorithmId: number; pcr: number; digest: Uint8Array }[];
}

export function decodePcrReadResponse(bytes: Uint8Array): PcrReadResult {
  return decodeWith(bytes, "TPM2_PCR_Read", (r, at) => {
    const updateCounter = r.u32be(at);
    const { selections, next } = readSelections(r, at + 4);
    const count = r.u32be(next);
    let p = next + 4;
    const digests: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const size = r.u16be(p);
      digests.push(r.slice(p + 2, size));
      p += 2 + size;
    }
    const values: PcrReadResult["values"] = [];
    for (const s of selections) {
      for (const pcr of s.pcrs) {
        const digest = digests[values.length];
        if (!digest) break; // the TPM returns at most 8 digests; the rest need another call
        values.push({ algorithm: s.algorithm, algorithmId: s.algorithmId, pcr, digest });
      }
    }
    return { updateCounter, selections, values };
  });
}
