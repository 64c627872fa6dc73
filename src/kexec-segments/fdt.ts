/**
 * The flattened device tree (docs/kexec.md §11): the blob an arm64 kernel receives in x0. With kexec_load the
 * caller hands the next kernel its tree, so ukiboot reads the running one's (/sys/firmware/fdt), rewrites
 * its /chosen node and writes a new blob. Read and written here over bytes; nothing else is interpreted.
 */

import { alignUp } from "../bytes/byte-reader.ts";
import { FormatError } from "../errors.ts";

const FDT_MAGIC = 0xd00dfeed;
const HEADER_BYTES = 40;
const BEGIN_NODE = 1;
const END_NODE = 2;
const PROP = 3;
const NOP = 4;
const END = 9;

export interface FdtNode {
  name: string;
  /** In the blob's order: the order is kept so that a tree read and written again is the same bytes. */
  props: { name: string; value: Uint8Array }[];
  children: FdtNode[];
}

export interface Fdt {
  /** /memreserve/ entries: memory the next kernel must leave alone (the firmware's, the GIC's tables). */
  reserved: { address: bigint; size: bigint }[];
  bootCpu: number;
  root: FdtNode;
}

/**
 * Parses a device tree blob (versions 16 and 17).
 * @throws FormatError naming `source` when a header field, token or string runs past the blob.
 */
export function parseFdt(blob: Uint8Array, source: string): Fdt {
  const fail = (why: string): never => {
    throw new FormatError("fdt", source, `Cannot read the device tree ${source}: ${why}`);
  };
  if (blob.byteLength < HEADER_BYTES) fail(`it has ${blob.byteLength} bytes, fewer than a header's ${HEADER_BYTES}`);
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const u32 = (o: number) => dv.getUint32(o, false);
  if (u32(0) !== FDT_MAGIC) fail(`it does not start with the magic 0xd00dfeed (found 0x${u32(0).toString(16)})`);
  const total = u32(4);
  const structOff = u32(8);
  const stringsOff = u32(12);
  const rsvOff = u32(16);
  const lastComp = u32(24);
  if (total > blob.byteLength) fail(`its header says ${total} bytes, but there are ${blob.byteLength}`);
  if (lastComp > 17) fail(`it needs a reader of version ${lastComp}; ukiboot reads versions up to 17`);
  const structSize = u32(36);
  const stringsSize = u32(32);
  if (structOff + structSize > total || stringsOff + stringsSize > total || rsvOff > total) fail("its blocks run past the size its header states");

  const reserved: Fdt["reserved"] = [];
  for (let o = rsvOff; ; o += 16) {
    if (o + 16 > total) fail("its memory reservation list has no end marker");
    const address = dv.getBigUint64(o, false);
    const size = dv.getBigUint64(o + 8, false);
    if (address === 0n && size === 0n) break;
    reserved.push({ address, size });
  }

  const decoder = new TextDecoder();
  const cstring = (from: number, limit: number, what: string): [string, number] => {
    const end = blob.indexOf(0, from);
    if (end < 0 || end >= limit) fail(`${what} at byte ${from} has no terminating NUL`);
    return [decoder.decode(blob.subarray(from, end)), end];
  };
  const structEnd = structOff + structSize;
  let o = structOff;
  const token = () => {
    if (o + 4 > structEnd) fail("its structure block ends inside a token");
    const t = u32(o);
    o += 4;
    return t;
  };

  const stack: FdtNode[] = [];
  let root: FdtNode | undefined;
  for (;;) {
    const t = token();
    if (t === NOP) continue;
    if (t === BEGIN_NODE) {
      const [name, end] = cstring(o, structEnd, "a node name");
      o = alignUp(end + 1, 4);
      const node: FdtNode = { name, props: [], children: [] };
      if (stack.length === 0) {
        if (root) fail("it has more than one root node");
        root = node;
      } else stack[stack.length - 1]!.children.push(node);
      stack.push(node);
    } else if (t === END_NODE) {
      if (stack.length === 0) fail(`a node ends at byte ${o - 4} that never began`);
      stack.pop();
    } else if (t === PROP) {
      if (stack.length === 0) fail(`a property at byte ${o - 4} is outside every node`);
      const len = token();
      const nameOff = token();
      if (o + len > structEnd) fail(`a property at byte ${o - 12} is ${len} bytes long, past the structure block`);
      if (nameOff >= stringsSize) fail(`a property at byte ${o - 12} names string ${nameOff}, past the strings block`);
      const [name] = cstring(stringsOff + nameOff, stringsOff + stringsSize, "a property name");
      stack[stack.length - 1]!.props.push({ name, value: blob.slice(o, o + len) });
      o = alignUp(o + len, 4);
    } else if (t === END) {
      if (stack.length !== 0) fail(`its structure block ends with the node "${stack[stack.length - 1]!.name}" still open`);
      break;
    } else fail(`it has an unknown token 0x${t.toString(16)} at byte ${o - 4}`);
  }
  if (!root) fail("it has no root node");
  return { reserved, bootCpu: u32(28), root: root! };
}

/** Writes `fdt` as a version 17 blob laid out as dtc lays it out (header, reservations, structure, strings). */
export function serializeFdt(fdt: Fdt): Uint8Array {
  // Property names are shared, and a name that ends another is found inside it, as dtc and libfdt do.
  let strings = "";
  const nameOffset = (name: string): number => {
    for (let i = strings.indexOf(name); i >= 0; i = strings.indexOf(name, i + 1)) {
      if (strings.charCodeAt(i + name.length) === 0) return i;
    }
    const at = strings.length;
    strings += `${name}\0`;
    return at;
  };
  const encoder = new TextEncoder();
  const words: Uint8Array[] = [];
  let structSize = 0;
  const push = (b: Uint8Array) => {
    words.push(b);
    structSize += b.byteLength;
  };
  const u32 = (n: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, false);
    return b;
  };
  const padded = (b: Uint8Array) => {
    const out = new Uint8Array(alignUp(b.byteLength, 4));
    out.set(b);
    return out;
  };
  const walk = (node: FdtNode) => {
    push(u32(BEGIN_NODE));
    push(padded(encoder.encode(`${node.name}\0`)));
    for (const p of node.props) {
      push(u32(PROP));
      push(u32(p.value.byteLength));
      push(u32(nameOffset(p.name)));
      push(padded(p.value));
    }
    for (const c of node.children) walk(c);
    push(u32(END_NODE));
  };
  walk(fdt.root);
  push(u32(END));

  const stringBytes = encoder.encode(strings);
  const rsvOff = HEADER_BYTES;
  const rsvSize = (fdt.reserved.length + 1) * 16;
  const structOff = rsvOff + rsvSize;
  const stringsOff = structOff + structSize;
  const total = stringsOff + stringBytes.byteLength;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  [FDT_MAGIC, total, structOff, stringsOff, rsvOff, 17, 16, fdt.bootCpu, stringBytes.byteLength, structSize].forEach((v, i) => dv.setUint32(i * 4, v, false));
  fdt.reserved.forEach((r, i) => {
    dv.setBigUint64(rsvOff + i * 16, r.address, false);
    dv.setBigUint64(rsvOff + i * 16 + 8, r.size, false);
  });
  let o = structOff;
  for (const w of words) {
    out.set(w, o);
    o += w.byteLength;
  }
  out.set(stringBytes, stringsOff);
  return out;
}

/** The child of `node` named `name`, created (empty, last) when it is missing. */
export function childNode(node: FdtNode, name: string): FdtNode {
  let child = node.children.find((c) => c.name === name);
  if (!child) {
    child = { name, props: [], children: [] };
    node.children.push(child);
  }
  return child;
}

/** Sets a property, in its place when it exists, else after the others. */
export function setProp(node: FdtNode, name: string, value: Uint8Array): void {
  const p = node.props.find((x) => x.name === name);
  if (p) p.value = value;
  else node.props.push({ name, value });
}

export function deleteProp(node: FdtNode, name: string): void {
  node.props = node.props.filter((p) => p.name !== name);
}

export function getProp(node: FdtNode, name: string): Uint8Array | undefined {
  return node.props.find((p) => p.name === name)?.value;
}

/** A string property's value, NUL included, as the kernel reads `bootargs`. */
export function stringProp(s: string): Uint8Array {
  return new TextEncoder().encode(`${s}\0`);
}

/** A 64-bit big-endian cell pair, as `linux,initrd-start` and `-end` are written by kexec-tools and the EFI stub. */
export function u64Prop(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, false);
  return b;
}
