/**
 * Golden hex dumps of newc archives with one annotation block per record, for review by eye, and the
 * compare-or-update helper (UPDATE_GOLDEN=1 rewrites; a missing golden file fails).
 * The record parser here is deliberately separate from src/initrd so that the dump is a second reading.
 */
import { expectGoldenFile } from "../../support/golden.ts";
import { join } from "node:path";

export const GOLDEN_CPIO_DIR = join(import.meta.dir, "../../golden/cpio");

const FIELDS = ["ino", "mode", "uid", "gid", "nlink", "mtime", "filesize", "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check"];

/** A hex dump of `bytes`, split per record, each record preceded by its decoded header fields. */
export function annotatedNewcDump(bytes: Uint8Array, title: string): string {
  const out: string[] = [`# ${title}`, `# ${bytes.length} bytes`];
  let pos = 0;
  let n = 1;
  while (pos < bytes.length) {
    const text = (a: number, b: number) => String.fromCharCode(...bytes.subarray(a, b));
    const magic = text(pos, pos + 6);
    const f: Record<string, string> = {};
    FIELDS.forEach((name, i) => (f[name] = text(pos + 6 + i * 8, pos + 14 + i * 8)));
    const nameSize = Number.parseInt(f.namesize!, 16);
    const fileSize = Number.parseInt(f.filesize!, 16);
    const name = text(pos + 110, pos + 110 + nameSize - 1);
    const dataAt = align4(pos + 110 + nameSize);
    const end = align4(dataAt + fileSize);
    const mode = Number.parseInt(f.mode!, 16);
    const type = (mode & 0o170000) === 0o040000 ? "directory" : (mode & 0o170000) === 0o100000 ? "file" : name === "TRAILER!!!" ? "trailer" : "other";
    out.push("");
    out.push(`## record ${n++} at 0x${hex(pos, 4)}: ${type} "${name}"`);
    out.push(`#   magic ${magic}`);
    for (const k of FIELDS) {
      const note = k === "mode" ? ` (0${mode.toString(8)})` : k === "namesize" || k === "filesize" || k === "ino" ? ` (${Number.parseInt(f[k]!, 16)})` : "";
      out.push(`#   ${k.padEnd(9)} ${f[k]}${note}`);
    }
    out.push(`#   name at 0x${hex(pos + 110, 4)}, ${nameSize} bytes with NUL, ${dataAt - pos - 110 - nameSize} NULs of padding`);
    if (fileSize > 0) out.push(`#   data at 0x${hex(dataAt, 4)}, ${fileSize} bytes, ${end - dataAt - fileSize} NULs of padding`);
    out.push(...hexLines(bytes, pos, Math.min(end, bytes.length)));
    pos = end;
    if (name === "TRAILER!!!") break;
  }
  if (pos < bytes.length) {
    out.push("", `## ${bytes.length - pos} bytes after the trailer`, ...hexLines(bytes, pos, bytes.length));
  }
  return `${out.join("\n")}\n`;
}

function hexLines(bytes: Uint8Array, from: number, to: number): string[] {
  const lines: string[] = [];
  for (let a = from; a < to; a += 16) {
    const row = bytes.subarray(a, Math.min(a + 16, to));
    const hexes = [...row].map((b) => hex(b, 2)).join(" ");
    const chars = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${hex(a, 6)}  ${hexes.padEnd(47)}  |${chars}|`);
  }
  return lines;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Compares `text` with test/golden/cpio/<name>.hex; UPDATE_GOLDEN=1 writes it instead. */
export function expectGoldenText(name: string, text: string): void {
  expectGoldenFile(join(GOLDEN_CPIO_DIR, `${name}.hex`), text);
}
