/**
 * What an ELF executable needs to run: its interpreter (PT_INTERP), the libraries it names (DT_NEEDED) and
 * where it says to look for them (DT_RUNPATH, DT_RPATH).
 */
import { ByteReader } from "../bytes/byte-reader.ts";
import { FormatError } from "../errors.ts";

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
