/**
 * EFI_LOAD_OPTION, the value of a `Boot####` variable (UEFI 2.10 §3.1.3), and the device path nodes a
 * boot loader's entry uses (§10.3): the GPT partition (HD), the file on it, and the end node. Other nodes
 * are kept as they are and printed as efibootmgr prints the common ones.
 */
import { ByteReader } from "../bytes/byte-reader.ts";
import { guidToBytes, guidToString } from "../bytes/guid.ts";
import { BoundsError, FormatError } from "../errors.ts";
import { decodeUtf16, encodeUtf16 } from "./efivar-codec.ts";

const LOAD_OPTION_ACTIVE = 0x1;
const HEADER_SIZE = 6;
const NODE_HEADER_SIZE = 4;
const MEDIA = 4;
const MEDIA_HARD_DRIVE = 1;
const MEDIA_FILE_PATH = 4;
const END = 0x7f;
const END_ENTIRE = 0xff;
const HARD_DRIVE_NODE_SIZE = 42;
const MBR_TYPE_GPT = 2;
const SIGNATURE_TYPE_GUID = 2;
const HARDWARE = 1;
const HARDWARE_PCI = 1;
const ACPI = 2;
const ACPI_DP = 1;
/** EISA ID of PNP0A03, a PCI root bridge. */
const PNP0A03 = 0x0a0341d0;

/** A GPT partition as a device path names it. */
export interface PartitionPath {
  /** Partition number, from 1. */
  readonly partition: number;
  readonly startLba: bigint;
  readonly sizeLba: bigint;
  /** The partition's unique GUID (PARTUUID). */
  readonly partUuid: string;
}

/** One device path node: its type, subtype and the bytes after its 4-byte header. */
export interface DevicePathNode {
  readonly type: number;
  readonly subType: number;
  readonly data: Uint8Array;
}

export interface LoadOption {
  readonly active: boolean;
  readonly description: string;
  /** The HD() node of the path, when it has one. */
  readonly partition?: PartitionPath;
  /** The File() node's path, e.g. `\EFI\ukiboot\ukibootx64.efi`, when it has one. */
  readonly file?: string;
  readonly optionalData: Uint8Array;
}

export interface DecodedLoadOption extends LoadOption {
  readonly nodes: readonly DevicePathNode[];
}

function node(type: number, subType: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(NODE_HEADER_SIZE + data.length);
  const v = new DataView(out.buffer);
  out[0] = type;
  out[1] = subType;
  v.setUint16(2, out.length, true);
  out.set(data, NODE_HEADER_SIZE);
  return out;
}

function hardDriveNode(p: PartitionPath): Uint8Array {
  const data = new Uint8Array(HARD_DRIVE_NODE_SIZE - NODE_HEADER_SIZE);
  const v = new DataView(data.buffer);
  v.setUint32(0, p.partition, true);
  v.setBigUint64(4, p.startLba, true);
  v.setBigUint64(12, p.sizeLba, true);
  data.set(guidToBytes(p.partUuid), 20);
  data[36] = MBR_TYPE_GPT;
  data[37] = SIGNATURE_TYPE_GUID;
  return node(MEDIA, MEDIA_HARD_DRIVE, data);
}

/**
 * The bytes of a load option: HD(partition)/File(path)/End.
 * @throws FormatError when the file path is not an absolute path on the ESP written with backslashes
 */
export function encodeLoadOption(o: LoadOption): Uint8Array {
  if (!o.partition || o.file === undefined)
    throw new FormatError("load-option", o.description, `Cannot write EFI load option "${o.description}": it needs a partition and a file`);
  if (!o.file.startsWith("\\") || o.file.includes("/")) {
    throw new FormatError(
      "load-option",
      o.description,
      `Cannot write EFI load option "${o.description}": its file path "${o.file}" must start with a backslash and use no slashes, as \\EFI\\ukiboot\\ukibootx64.efi does`,
    );
  }
  const path = [hardDriveNode(o.partition), node(MEDIA, MEDIA_FILE_PATH, encodeUtf16(o.file)), node(END, END_ENTIRE, new Uint8Array(0))];
  const pathLength = path.reduce((n, p) => n + p.length, 0);
  const description = encodeUtf16(o.description);
  const out = new Uint8Array(HEADER_SIZE + description.length + pathLength + o.optionalData.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, o.active ? LOAD_OPTION_ACTIVE : 0, true);
  v.setUint16(4, pathLength, true);
  let at = HEADER_SIZE;
  for (const part of [description, ...path, o.optionalData]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Reads a `Boot####` value. `name` names it in errors.
 * @throws FormatError when the structure is cut short or inconsistent
 */
export function decodeLoadOption(bytes: Uint8Array, name: string): DecodedLoadOption {
  const fail = (message: string): never => {
    throw new FormatError("load-option", name, `Cannot read EFI load option "${name}": ${message}`);
  };
  if (bytes.length < HEADER_SIZE) fail(`it is ${bytes.length} bytes, shorter than its ${HEADER_SIZE}-byte header`);
  const r = new ByteReader(bytes);
  const attributes = r.u32(0);
  const pathLength = r.u16(4);
  let end = HEADER_SIZE;
  while (end + 1 < bytes.length && (bytes[end] !== 0 || bytes[end + 1] !== 0)) end += 2;
  if (end + 1 >= bytes.length) fail("its description has no terminating NUL");
  const description = decodeUtf16(bytes.subarray(HEADER_SIZE, end));
  const pathStart = end + 2;
  if (pathStart + pathLength > bytes.length) fail(`its device path list of ${pathLength} bytes runs past the end of its ${bytes.length} bytes`);
  const nodes: DevicePathNode[] = [];
  try {
    for (let at = 0; at < pathLength; ) {
      const length = r.u16(pathStart + at + 2);
      if (length < NODE_HEADER_SIZE) fail(`a device path node at +0x${at.toString(16)} is ${length} bytes long, shorter than its 4-byte header`);
      if (at + length > pathLength) fail(`a device path node at +0x${at.toString(16)} runs past the device path list`);
      const n = { type: bytes[pathStart + at]!, subType: bytes[pathStart + at + 1]!, data: bytes.slice(pathStart + at + 4, pathStart + at + length) };
      at += length;
      if (n.type === END && n.subType === END_ENTIRE) break;
      nodes.push(n);
    }
  } catch (e) {
    if (e instanceof BoundsError) fail(e.message);
    throw e;
  }
  const hd = nodes.find((n) => n.type === MEDIA && n.subType === MEDIA_HARD_DRIVE && n.data.length === HARD_DRIVE_NODE_SIZE - NODE_HEADER_SIZE);
  const file = nodes.find((n) => n.type === MEDIA && n.subType === MEDIA_FILE_PATH);
  return {
    active: (attributes & LOAD_OPTION_ACTIVE) !== 0,
    description,
    ...(hd ? { partition: readHardDrive(hd.data) } : {}),
    ...(file ? { file: decodeUtf16(file.data) } : {}),
    optionalData: bytes.slice(pathStart + pathLength),
    nodes,
  };
}

function readHardDrive(data: Uint8Array): PartitionPath {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return {
    partition: v.getUint32(0, true),
    startLba: v.getBigUint64(4, true),
    sizeLba: v.getBigUint64(12, true),
    partUuid: guidToString(data.subarray(20, 36)),
  };
}

const hex = (n: number | bigint) => `0x${n.toString(16)}`;

/** A device path as `efibootmgr -v` prints it, e.g. `HD(1,GPT,…,0x800,0x80000)/File(\EFI\…)`. */
export function formatDevicePath(nodes: readonly DevicePathNode[]): string {
  return nodes.map(formatNode).join("/");
}

function formatNode(n: DevicePathNode): string {
  const v = new DataView(n.data.buffer, n.data.byteOffset, n.data.byteLength);
  if (n.type === MEDIA && n.subType === MEDIA_HARD_DRIVE && n.data.length === HARD_DRIVE_NODE_SIZE - NODE_HEADER_SIZE) {
    const p = readHardDrive(n.data);
    return `HD(${p.partition},GPT,${p.partUuid},${hex(p.startLba)},${hex(p.sizeLba)})`;
  }
  if (n.type === MEDIA && n.subType === MEDIA_FILE_PATH) return `File(${decodeUtf16(n.data)})`;
  if (n.type === ACPI && n.subType === ACPI_DP && n.data.length === 8) {
    const hid = v.getUint32(0, true);
    const uid = v.getUint32(4, true);
    return hid === PNP0A03 ? `PciRoot(${hex(uid)})` : `Acpi(${hex(hid)},${hex(uid)})`;
  }
  if (n.type === HARDWARE && n.subType === HARDWARE_PCI && n.data.length === 2) return `Pci(${hex(n.data[1]!)},${hex(n.data[0]!)})`;
  return `Path(${n.type},${n.subType},${Array.from(n.data, (b) => b.toString(16).padStart(2, "0")).join("")})`;
}
