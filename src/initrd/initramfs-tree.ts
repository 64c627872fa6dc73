/**
 * An initramfs described as a list of nodes and written as one newc cpio archive (the kernel's
 * early-userspace buffer format). Built in memory with fixed inode numbers and mtime 0, so the same
 * inputs give the same bytes; device nodes need no root because nothing is created on the host.
 */

export type InitramfsNode =
  | { type: "dir"; path: string; mode?: number }
  | { type: "file"; path: string; data: Uint8Array; mode?: number }
  | { type: "symlink"; path: string; target: string }
  | { type: "chardev"; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function field(n: number): string {
  return n.toString(16).padStart(8, "0");
}

export class InitramfsTree {
  private readonly nodes = new Map<string, InitramfsNode>();

  /** Adds a node and every missing parent directory (like mkdir -p). A later node replaces an earlier one. */
  add(node: InitramfsNode): this {
    const path = node.path.replace(/^\/+/, "");
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (!this.nodes.has(dir)) this.nodes.set(dir, { type: "dir", path: dir });
    }
    this.nodes.set(path, { ...node, path });
    return this;
  }

  has(path: string): boolean {
    return this.nodes.has(path.replace(/^\/+/, ""));
  }

  /** Bytes of regular file data per top-level path component, for the size report. */
  sizeByPrefix(prefixes: Record<string, (path: string) => boolean>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const n of this.nodes.values()) {
      if (n.type !== "file") continue;
      const k = Object.entries(prefixes).find(([, f]) => f(n.path))?.[0] ?? "other";
      out[k] = (out[k] ?? 0) + n.data.byteLength;
    }
    return out;
  }

  /** The archive: directories before their contents (sorted paths give that), then the trailer. */
  toCpio(): Uint8Array {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const enc = new TextEncoder();
    const push = (b: Uint8Array) => {
      chunks.push(b);
      size += b.byteLength;
    };
    const pad = () => {
      const p = (4 - (size % 4)) % 4;
      if (p) push(new Uint8Array(p));
    };
    let ino = 1;
    const record = (name: string, mode: number, data: Uint8Array, rmaj = 0, rmin = 0) => {
      const nameBytes = enc.encode(`${name}\0`);
      const header =
        "070701" +
        field(ino++) + // inode
        field(mode) + // mode
        field(0) + // uid
        field(0) + // gid
        field(1) + // nlink
        field(0) + // mtime: 0 for reproducible images
        field(data.byteLength) + // filesize
        field(0) + // devmajor
        field(0) + // devminor
        field(rmaj) + // rdevmajor
        field(rmin) + // rdevminor
        field(nameBytes.byteLength) + // namesize, NUL included
        field(0); // check
      push(enc.encode(header));
      push(nameBytes);
      pad();
      if (data.byteLength) push(data);
      pad();
    };
    for (const path of [...this.nodes.keys()].sort()) {
      const n = this.nodes.get(path)!;
      if (n.type === "dir") record(path, S_IFDIR | (n.mode ?? 0o755), new Uint8Array());
      else if (n.type === "file") record(path, S_IFREG | (n.mode ?? 0o644), n.data);
      else if (n.type === "symlink") record(path, S_IFLNK | 0o777, enc.encode(n.target));
      else record(path, S_IFCHR | (n.mode ?? 0o600), new Uint8Array(), n.major, n.minor);
    }
    ino = 0;
    record("TRAILER!!!", 0, new Uint8Array());
    const out = new Uint8Array(size);
    let o = 0;
    for (const c of chunks) {
      out.set(c, o);
      o += c.byteLength;
    }
    return out;
  }
}
