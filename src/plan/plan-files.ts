/**
 * What a plan reads from disk, and whether two plans of one entry are the same: the load path seals every
 * file a plan reads, plans again from the sealed copies and compares (docs/trust.md §4), so that what is
 * checked, measured and loaded (twice, when the measurement log joins the initrd) are the same bytes.
 */
import { sourceLeaves, type ByteSource } from "../bytes/byte-source.ts";
import type { LoadPlan } from "./load-plan.ts";

/** Every file the plan reads, in the order it first reads it: the kernel's, then each initrd member's. */
export function filesOfPlan(plan: LoadPlan): string[] {
  const sources: ByteSource[] = [plan.kernel, ...plan.initrd.members.map((m) => m.member.source)];
  const paths = new Set<string>();
  for (const s of sources) for (const leaf of sourceLeaves(s)) if (leaf.type === "range") paths.add(leaf.path);
  return [...paths];
}

/**
 * Where `b` first differs from `a`, as a dotted path of fields ("initrd.members.3.source.size"), or null when
 * they are the same. Byte arrays compare by content.
 */
export function firstDifference(a: unknown, b: unknown, at = ""): string | null {
  if (a === b) return null;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.byteLength !== b.byteLength) return at || "(root)";
    for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return at || "(root)";
    return null;
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return at || "(root)";
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at ? `${at}.${k}` : k);
    if (d !== null) return d;
  }
  return null;
}

/** The file a difference at `field` of two plans concerns, when it is inside a member or the kernel. */
export function fileAt(plan: LoadPlan, field: string): string | undefined {
  const m = field.match(/^initrd\.members\.(\d+)\b/);
  const source = m ? plan.initrd.members[Number(m[1])]?.member.source : field.startsWith("kernel") ? plan.kernel : undefined;
  if (!source) return undefined;
  for (const leaf of sourceLeaves(source)) if (leaf.type === "range") return leaf.path;
  return undefined;
}
