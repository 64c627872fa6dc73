/**
 * The TPM 2.0 conversation ukiboot needs (which banks are active, extend, read), over a transport the
 * effect layer provides: write one command to /dev/tpmrm0 and read one response. Pure apart from that.
 */
import type { DigestAlgorithm, Digests } from "../bytes/digest.ts";
import {
  activeBanks,
  decodeGetCapabilityPcrsResponse,
  decodePcrExtendResponse,
  decodePcrReadResponse,
  encodeGetCapabilityPcrs,
  encodePcrExtend,
  encodePcrRead,
  type BankDigest,
} from "./tpm2-commands.ts";

/** Sends one command and returns the TPM's complete response. */
export type TpmTransport = (command: Uint8Array) => Promise<Uint8Array>;

export class Tpm2Client {
  constructor(private readonly transport: TpmTransport) {}

  /** The active banks ukiboot can hash, and the TPM_ALG_IDs of active banks it cannot (SM3). */
  async activeBanks(): Promise<{ banks: DigestAlgorithm[]; unsupported: number[] }> {
    return activeBanks(decodeGetCapabilityPcrsResponse(await this.transport(encodeGetCapabilityPcrs())));
  }

  /** @throws TpmResponseError when the TPM refuses, FormatError when the answer is malformed */
  async pcrExtend(pcr: number, digests: BankDigest[]): Promise<void> {
    decodePcrExtendResponse(await this.transport(encodePcrExtend(pcr, digests)));
  }

  /** Reads one PCR in each bank (one command per bank, so the 8-digest limit never applies). */
  async pcrRead(pcr: number, algorithms: DigestAlgorithm[]): Promise<Digests> {
    const out: Digests = {};
    for (const a of algorithms) {
      const result = decodePcrReadResponse(await this.transport(encodePcrRead(pcr, [a])));
      const v = result.values.find((x) => x.algorithm === a && x.pcr === pcr);
      if (v) out[a] = v.digest;
    }
    return out;
  }
}
