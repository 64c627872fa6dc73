/**
 * Shared-library closure of an ELF executable, read from its PT_INTERP and DT_NEEDED entries and resolved
 * along the loader's search path (what dracut's inst_binary achieves with ldd, without running the binary).
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { ByteReader } from "../../src/bytes/byte-reader.ts";
import { FormatError } from "../../src/errors.ts";

export interface ElfInfo {
  interpreter: string | null;
  needed: string[];
  runpath: string[];
}

const PT_INTERP = 3;
const PT_DYNAMIC = 2;
const PT_LOAD = 1;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;

/** Reads the interpreter and needed libraries of a 64-bit little-endian ELF file. */
export function readElfInfo(bytes: Uint8Array, source: string): ElfInfo {
  const r = new ByteReader(bytes);
  if (r.u32be(0) !== 0x7f454c46) throw new FormatError("elf", source, `Cannot read "${source}": not an ELF file`);
  if (r.u8(4) !== 2 || r.u8(5) !== 1) throw new FormatError("elf", source, `Cannot read "${source}": only 64-bit little-endian ELF is supported`);
  const phoff = Number(r.u64(0x20));
  const phentsize = r.u16(0x36);
  const phnum = r.u16(0x38);
  let interpreter: string | null = null;
  let dynamic: { offset: number; size: number } | null = null;
  const loads: { vaddr: bigint; offset: bigint; filesz: bigint }[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    const type = r.u32(o);
    const offset = r.u64(o + 8);
    const vaddr = r.u64(o + 16);
    const filesz = r.u64(o + 32);
    if (type === PT_INTERP) interpreter = cstr(r.slice(Number(offset), Number(filesz)));
    if (type === PT_DYNAMIC) dynamic = { offset: Number(offset), size: Number(filesz) };
    if (type === PT_LOAD) loads.push({ vaddr, offset, filesz });
  }
  if (!dynamic) return { interpreter, needed: [], runpath: [] };
  const entries: [bigint, bigint][] = [];
  for (let o = dynamic.offset; o + 16 <= dynamic.offset + dynamic.size; o += 16) {
    const tag = r.u64(o);
    if (tag === 0n) break;
    entries.push([tag, r.u64(o + 8)]);
  }
  // DT_STRTAB holds a virtual address: map it to a file offset through the PT_LOAD segments.
  const strtabAddr = entries.find(([t]) => t === DT_STRTAB)?.[1];
  if (strtabAddr === undefined) return { interpreter, needed: [], runpath: [] };
  const seg = loads.find((l) => strtabAddr >= l.vaddr && strtabAddr < l.vaddr + l.filesz);
  if (!seg) throw new FormatError("elf", source, `Cannot read "${source}": its string table is outside every loaded segment`);
  const strtab = Number(strtabAddr - seg.vaddr + seg.offset);
  const str = (off: bigint) => cstr(bytes.subarray(strtab + Number(off), Math.min(bytes.length, strtab + Number(off) + 4096)));
  const needed = entries.filter(([t]) => t === DT_NEEDED).map(([, v]) => str(v));
  const runpath = entries
    .filter(([t]) => t === DT_RUNPATH || t === DT_RPATH)
    .flatMap(([, v]) => str(v).split(":"))
    .filter(Boolean);
  return { interpreter, needed, runpath };
}

function cstr(b: Uint8Array): string {
  const nul = b.indexOf(0);
  return new TextDecoder().decode(nul >= 0 ? b.subarray(0, nul) : b);
}

/** The loader's default directories on Debian x86_64 (ld.so.conf.d/x86_64-linux-gnu.conf plus the built-in ones). */
export const DEFAULT_LIBRARY_PATH = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"];

export interface ResolvedLibrary {
  /** The name the binary asks for (DT_NEEDED) or the interpreter path. */
  name: string;
  /** Where it lives on this machine (symlinks resolved). */
  hostPath: string;
  /** Where it must appear in the initramfs. */
  targetPath: string;
}

/** The loader's default directories on Debian arm64. */
export const ARM64_LIBRARY_PATH = ["/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib", "/usr/lib"];

/**
 * Every library the executable needs, transitively, plus its interpreter. `sysroot`: the paths are those of
 * another system whose files are under this directory (another architecture's Debian packages), each
 * resolved inside it, as a merged-/usr Debian resolves them (/lib is /usr/lib).
 * @throws Error naming the missing library when one cannot be found.
 */
export function resolveLibraryClosure(executable: string, searchPath = DEFAULT_LIBRARY_PATH, sysroot?: string): ResolvedLibrary[] {
  const out = new Map<string, ResolvedLibrary>();
  const queue: { file: string; info: ElfInfo }[] = [];
  const host = (p: string) => (sysroot ? inSysroot(sysroot, p) : p);
  const first = readElfInfo(new Uint8Array(readFileSync(executable)), executable);
  if (first.interpreter) {
    out.set(first.interpreter, { name: first.interpreter, hostPath: realpathSync(host(first.interpreter)), targetPath: first.interpreter });
  }
  queue.push({ file: executable, info: first });
  while (queue.length > 0) {
    const { file, info } = queue.shift()!;
    for (const lib of info.needed) {
      if ([...out.values()].some((l) => l.name === lib)) continue;
      const dirs = [...info.runpath, ...searchPath];
      const dir = dirs.find((d) => existsSync(host(join(d, lib))));
      if (!dir) throw new Error(`Cannot find the library "${lib}" needed by "${file}" in ${dirs.map((d) => host(d)).join(", ")}`);
      const path = join(dir, lib);
      const real = realpathSync(host(path));
      out.set(path, { name: lib, hostPath: real, targetPath: path });
      queue.push({ file: path, info: readElfInfo(new Uint8Array(readFileSync(real)), path) });
    }
  }
  return [...out.values()];
}

/** `path` of the other system, under `sysroot`: /lib and /lib64 are read from /usr, as on a merged-/usr Debian. */
function inSysroot(sysroot: string, path: string): string {
  const merged = path.replace(/^\/(lib|lib64|bin|sbin)\//, "/usr/$1/");
  return join(sysroot, merged);
}
