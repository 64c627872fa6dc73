/**
 * The machine's RAM as /proc/iomem lists it (docs/kexec.md §11). kexec_load places every segment itself, so
 * ukiboot needs the RAM the next kernel may be written into: every "System RAM" range, less every "reserved"
 * one at any depth (the firmware's runtime memory, the EFI memory map, the GIC's tables), as kexec-tools
 * takes it on arm64. The running kernel's own code and data are not excluded: kexec copies over them last.
 */
import { FormatError } from "../errors.ts";

/** A physical range, `end` excluded. Numbers: physical addresses here stay below 2^48. */
export interface PhysRange {
  start: number;
  end: number;
}

const LINE = /^(\s*)([0-9a-f]+)-([0-9a-f]+) : (.*)$/;

/**
 * The usable RAM of `text` (the contents of /proc/iomem), sorted and merged.
 * @throws FormatError naming `source` when a line cannot be read, when it lists no System RAM, or when every
 * address reads zero (the file as seen without CAP_SYS_ADMIN).
 */
export function usableRam(text: string, source: string): PhysRange[] {
  const ram: PhysRange[] = [];
  const reserved: PhysRange[] = [];
  let nonZero = false;
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const m = LINE.exec(line);
    if (!m) throw new FormatError("iomem", source, `Cannot read ${source}: line ${i + 1} ("${line}") is not "start-end : name"`, { line: i + 1 });
    const start = parseInt(m[2]!, 16);
    const end = parseInt(m[3]!, 16) + 1;
    if (end > 1) nonZero = true;
    if (m[4] === "System RAM") ram.push({ start, end });
    else if (m[4] === "reserved") reserved.push({ start, end });
  });
  if (!nonZero)
    throw new FormatError(
      "iomem",
      source,
      `Cannot read ${source}: every address in it is zero, as the kernel shows it to a process without CAP_SYS_ADMIN; run ukiboot as root`,
    );
  if (ram.length === 0) throw new FormatError("iomem", source, `Cannot read ${source}: it lists no "System RAM"`);
  let usable = mergeRanges(ram);
  for (const r of reserved) usable = usable.flatMap((u) => subtract(u, r));
  return usable;
}

function mergeRanges(ranges: PhysRange[]): PhysRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: PhysRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

function subtract(from: PhysRange, cut: PhysRange): PhysRange[] {
  if (cut.end <= from.start || cut.start >= from.end) return [from];
  const out: PhysRange[] = [];
  if (cut.start > from.start) out.push({ start: from.start, end: cut.start });
  if (cut.end < from.end) out.push({ start: cut.end, end: from.end });
  return out;
}
