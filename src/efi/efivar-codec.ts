/**
 * The efivarfs byte format (docs/efi-variables.md §2): a u32 LE attribute word followed by the data; strings
 * are UTF-16LE with a NUL, numbers decimal strings or u64 LE.
 */
import { FormatError } from "../errors.ts";

export const EFI_VARIABLE_NON_VOLATILE = 0x1;
export const EFI_VARIABLE_BOOTSERVICE_ACCESS = 0x2;
export const EFI_VARIABLE_RUNTIME_ACCESS = 0x4;
/** Writes must be signed by a key of the variable's owner (KEK for db and dbx): what makes db a trust anchor. */
export const EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS = 0x20;
/** What systemd userspace (bootctl, systemctl) always writes: NV+BS+RT. */
export const ATTRS_PERSISTENT = EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS;

export interface EfiVariable {
  attributes: number;
  data: Uint8Array;
}

export function isNonVolatile(v: Pick<EfiVariable, "attributes">): boolean {
  return (v.attributes & EFI_VARIABLE_NON_VOLATILE) !== 0;
}

/** Splits an efivarfs file into its attribute word and data. @throws FormatError when shorter than 4 bytes */
export function parseEfivarfsFile(bytes: Uint8Array, source: string): EfiVariable {
  if (bytes.byteLength < 4)
    throw new FormatError(
      "efivar",
      source,
      `Cannot read the EFI variable "${source}": it is ${bytes.byteLength} bytes, shorter than its 4-byte attribute word`,
    );
  const attributes = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  return { attributes, data: bytes.subarray(4) };
}

/** The single buffer efivarfs wants in one write(2): attributes then data. */
export function buildEfivarfsFile(v: EfiVariable): Uint8Array {
  const out = new Uint8Array(4 + v.data.byteLength);
  new DataView(out.buffer).setUint32(0, v.attributes, true);
  out.set(v.data, 4);
  return out;
}

/** UTF-16LE with a terminating NUL, as systemd writes strings. */
export function encodeUtf16(s: string): Uint8Array {
  const out = new Uint8Array((s.length + 1) * 2);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < s.length; i++) dv.setUint16(i * 2, s.charCodeAt(i), true);
  return out;
}

/**
 * Decodes a UTF-16LE string, ending at the first NUL. A value without the NUL is accepted whole
 * (systemd-boot 257 drops its last character then; that is a bug not copied). An odd trailing byte is ignored.
 */
export function decodeUtf16(data: Uint8Array): string {
  let s = "";
  for (let i = 0; i + 1 < data.byteLength; i += 2) {
    const c = data[i]! | (data[i + 1]! << 8);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * A list of NUL-terminated UTF-16LE strings, as LoaderEntries holds the entry ids.
 * @example decodeUtf16List(encodeUtf16("a.conf\0b.conf")) // ["a.conf", "b.conf"]
 */
export function decodeUtf16List(data: Uint8Array): string[] {
  const out: string[] = [];
  let s = "";
  for (let i = 0; i + 1 < data.byteLength; i += 2) {
    const c = data[i]! | (data[i + 1]! << 8);
    if (c !== 0) s += String.fromCharCode(c);
    else if (s !== "") {
      out.push(s);
      s = "";
    }
  }
  if (s !== "") out.push(s);
  return out;
}

/** A u64 LE number (as LoaderConfigTimeout may be stored by firmware tools). */
export function encodeU64(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n, true);
  return out;
}

export function decodeU64(data: Uint8Array): bigint | undefined {
  if (data.byteLength !== 8) return undefined;
  return new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true);
}
