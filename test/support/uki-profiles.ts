/**
 * Test helper: the effective sections of each profile of a UKI (docs/entries.md §5), computed from
 * the section table Authenticode reads, with C(s) = file bytes zero-filled to VirtualSize (docs/entries.md §4). Kept
 * separate from src/pe so the prediction tests do not depend on the menu's PE parser.
 */
import { planAuthenticodeHash } from "../../src/trust/authenticode-hash.ts";
import type { PredictedSection } from "../../src/tpm/pcr-predict.ts";

export function profileSections(uki: Uint8Array): PredictedSection[][] {
  const sections = planAuthenticodeHash(uki, uki.length, { source: "uki" }).sections;
  const content = (i: number): PredictedSection => {
    const s = sections[i]!;
    const data = new Uint8Array(s.virtualSize);
    data.set(uki.subarray(s.pointerToRawData, s.pointerToRawData + Math.min(s.virtualSize, s.sizeOfRawData)));
    return { name: s.name, data };
  };
  const starts = sections.flatMap((s, i) => (s.name === ".profile" ? [i] : []));
  const baseEnd = starts[0] ?? sections.length;
  const ranges = starts.length ? starts.map((start, k) => [start, starts[k + 1] ?? sections.length] as const) : [[sections.length, sections.length] as const];
  return ranges.map(([from, to]) => {
    const out = new Map<string, PredictedSection>();
    // First match in the profile's range wins, then the first match in the base range.
    for (let i = from; i < to; i++) if (!out.has(sections[i]!.name)) out.set(sections[i]!.name, content(i));
    for (let i = 0; i < baseEnd; i++) if (!out.has(sections[i]!.name)) out.set(sections[i]!.name, content(i));
    return [...out.values()];
  });
}
