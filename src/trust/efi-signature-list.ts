/**
 * EFI_SIGNATURE_LIST, the format of the Secure Boot variables db, dbx and shim's MokListRT/MokListXRT
 * (UEFI 2.10 §32.4.1 "Signature Database"). A variable holds zero or more lists back to back:
 *
 *   +0  SignatureType (EFI_GUID)   +16 SignatureListSize (u32, whole list)   +20 SignatureHeaderSize (u32)
 *   +24 SignatureSize (u32, each entry)   +28 SignatureHeader[SignatureHeaderSize]
 *   then entries of SignatureSize bytes: SignatureOwner (EFI_GUID) + SignatureData
 *
 * Input is the variable's data, without the 4-byte attribute word efivarfs puts in front.
 */
import { concatBytes } from "../bytes/concat-bytes.ts";
import { FormatError, hex } from "../errors.ts";
import { ByteReader, checkedAdd } from "../bytes/byte-reader.ts";

export const EFI_CERT_X509_GUID = "a5c059a1-94e4-4aa7-87b5-ab155c2bf072";
export const EFI_CERT_SHA256_GUID = "c1c41626-504c-4092-aca9-41f936934328";
/** dbx only: SHA-256 of a certificate's TBSCertificate, followed by a 16-byte EFI_TIME of revocation. */
export const EFI_CERT_X509_SHA256_GUID = "3bd2a492-96c0-4079-b420-fcf98ef103ed";

/** The kinds of entries ukiboot acts on; anything else is kept as "other" and ignored. */
export type SignatureKind = "x509" | "sha256" | "x509-sha256" | "other";

const KIND_BY_GUID: Record<string, SignatureKind> = {
  [EFI_CERT_X509_GUID]: "x509",
  [EFI_CERT_SHA256_GUID]: "sha256",
  [EFI_CERT_X509_SHA256_GUID]: "x509-sha256",
};
const GUID_BY_KIND: Partial<Record<SignatureKind, string>> = {
  x509: EFI_CERT_X509_GUID,
  sha256: EFI_CERT_SHA256_GUID,
  "x509-sha256": EFI_CERT_X509_SHA256_GUID,
};
/** SignatureData sizes fixed by the specification (x509 is variable). */
const DATA_SIZE: Partial<Record<SignatureKind, number>> = { sha256: 32, "x509-sha256": 48 };

const LIST_HEADER_SIZE = 28;
const OWNER_SIZE = 16;

export interface SignatureEntry {
  kind: SignatureKind;
  /** SignatureType as a lowercase GUID string. */
  type: string;
  /** SignatureOwner as a lowercase GUID string. */
  owner: string;
  /** SignatureData: a DER certificate, a 32-byte SHA-256, or TBS hash + EFI_TIME. */
  data: Uint8Array;
}

/**
 * Parses the lists of a db/dbx/MokListRT variable into entries, in order.
 * @throws FormatError when a list's sizes are inconsistent or run past the data
 * @example parseSignatureLists(dbBytes, { source: "db" }).filter((e) => e.kind === "x509")
 */
export function parseSignatureLists(data: Uint8Array, opts: { source: string }): SignatureEntry[] {
  const r = new ByteReader(data);
  const out: SignatureEntry[] = [];
  const fail = (message: string, offset: number): never => {
    throw new FormatError("efivar", opts.source, `Cannot parse the signature lists in "${opts.source}": ${message}`, { offset });
  };
  let at = 0;
  try {
    while (at < r.size) {
      if (r.size - at < LIST_HEADER_SIZE) fail(`${r.size - at} bytes at ${hex(at)} are too short for an EFI_SIGNATURE_LIST header`, at);
      const type = formatGuid(r.slice(at, 16));
      const listSize = r.u32(at + 16);
      const headerSize = r.u32(at + 20);
      const signatureSize = r.u32(at + 24);
      const listEnd = checkedAdd(at, listSize);
      if (listSize < LIST_HEADER_SIZE) fail(`the list at ${hex(at)} has SignatureListSize ${hex(listSize)}, smaller than its header`, at);
      if (listEnd > r.size) fail(`the list at ${hex(at)} ends at ${hex(listEnd)}, past the end of the data at ${hex(r.size)}`, at);
      const entriesAt = checkedAdd(checkedAdd(at, LIST_HEADER_SIZE), headerSize);
      if (entriesAt > listEnd) fail(`the list at ${hex(at)} has SignatureHeaderSize ${hex(headerSize)}, larger than the list`, at);
      if (signatureSize <= OWNER_SIZE) fail(`the list at ${hex(at)} has SignatureSize ${hex(signatureSize)}, too small for an owner GUID and data`, at);
      if ((listEnd - entriesAt) % signatureSize !== 0) {
        fail(`the list at ${hex(at)} holds ${hex(listEnd - entriesAt)} bytes of entries, not a multiple of SignatureSize ${hex(signatureSize)}`, at);
      }
      const kind = KIND_BY_GUID[type] ?? "other";
      const fixed = DATA_SIZE[kind];
      if (fixed !== undefined && signatureSize !== OWNER_SIZE + fixed) {
        fail(`the ${kind} list at ${hex(at)} has SignatureSize ${hex(signatureSize)}, not ${hex(OWNER_SIZE + fixed)}`, at);
      }
      for (let e = entriesAt; e < listEnd; e += signatureSize) {
        out.push({ kind, type, owner: formatGuid(r.slice(e, OWNER_SIZE)), data: r.slice(e + OWNER_SIZE, signatureSize - OWNER_SIZE) });
      }
      at = listEnd;
    }
  } catch (e) {
    // BoundsError and checkedAdd's overflow are both RangeErrors.
    if (e instanceof RangeError) {
      throw new FormatError("efivar", opts.source, `Cannot parse the signature lists in "${opts.source}": ${e.message}`, { offset: at, cause: e });
    }
    throw e;
  }
  return out;
}

/** An entry to write; `type` defaults from `kind`. */
export interface SignatureEntryInput {
  kind: Exclude<SignatureKind, "other">;
  owner: string;
  data: Uint8Array;
}

/**
 * Writes entries as EFI_SIGNATURE_LISTs (for test fixtures of fake db/dbx variables). Consecutive entries
 * of the same kind and size share one list, as efitools' cert-to-efi-sig-list and sbsiglist produce them.
 */
export function writeSignatureLists(entries: SignatureEntryInput[]): Uint8Array {
  const groups: SignatureEntryInput[][] = [];
  for (const e of entries) {
    const fixed = DATA_SIZE[e.kind];
    if (fixed !== undefined && e.data.byteLength !== fixed) {
      throw new RangeError(`Cannot write a ${e.kind} signature entry: its data is ${e.data.byteLength} bytes, not ${fixed}`);
    }
    const last = groups[groups.length - 1];
    if (last && last[0]!.kind === e.kind && last[0]!.data.byteLength === e.data.byteLength) last.push(e);
    else groups.push([e]);
  }
  const parts: Uint8Array[] = [];
  for (const g of groups) {
    const signatureSize = OWNER_SIZE + g[0]!.data.byteLength;
    const list = new Uint8Array(LIST_HEADER_SIZE + signatureSize * g.length);
    const view = new DataView(list.buffer);
    list.set(parseGuid(GUID_BY_KIND[g[0]!.kind]!), 0); // SignatureType
    view.setUint32(16, list.byteLength, true); // SignatureListSize
    view.setUint32(20, 0, true); // SignatureHeaderSize: no type uses a header
    view.setUint32(24, signatureSize, true); // SignatureSize
    g.forEach((e, i) => {
      const at = LIST_HEADER_SIZE + i * signatureSize;
      list.set(parseGuid(e.owner), at); // SignatureOwner
      list.set(e.data, at + OWNER_SIZE); // SignatureData
    });
    parts.push(list);
  }
  return concatBytes(parts);
}

/** EFI_GUID bytes (u32 LE, u16 LE, u16 LE, 8 bytes in order) as the usual lowercase text form. */
export function formatGuid(b: Uint8Array): string {
  const h = (from: number, to: number, reverse: boolean) => {
    const part = [...b.subarray(from, to)];
    if (reverse) part.reverse();
    return part.map((x) => x.toString(16).padStart(2, "0")).join("");
  };
  return `${h(0, 4, true)}-${h(4, 6, true)}-${h(6, 8, true)}-${h(8, 10, false)}-${h(10, 16, false)}`;
}

/** The inverse of formatGuid(). @throws RangeError for text that is not a GUID */
export function parseGuid(text: string): Uint8Array {
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(text);
  if (!m) throw new RangeError(`Cannot parse GUID "${text}": expected 8-4-4-4-12 hex digits`);
  const hexBytes = (s: string) => s.match(/../g)!.map((x) => parseInt(x, 16));
  return new Uint8Array([...hexBytes(m[1]!).reverse(), ...hexBytes(m[2]!).reverse(), ...hexBytes(m[3]!).reverse(), ...hexBytes(m[4]!), ...hexBytes(m[5]!)]);
}
