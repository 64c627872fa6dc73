/** Text and JSON forms of a load plan, for `ukiboot plan`, `boot --dry-run` and the menu's details view. */
import { describeSource, sourceSize } from "../bytes/byte-source.ts";
import { describeMember } from "../initrd/initrd-layout.ts";
import type { LoadPlan } from "../plan/load-plan.ts";

/** Compression or format of each member's first bytes, when the caller has looked (see ukiboot plan). */
export type MemberFormats = ReadonlyMap<number, string>;

export function formatPlanText(plan: LoadPlan, opts: { formats?: MemberFormats; digests?: { kernel?: string; initrd?: string } } = {}): string {
  const lines = [
    `entry:   ${plan.entryId}`,
    `kernel:  ${describeSource(plan.kernel)}${opts.digests?.kernel ? `  sha256 ${opts.digests.kernel}` : ""}`,
    `initrd:  ${plan.initrd.members.length} member(s), ${plan.initrd.size} bytes${opts.digests?.initrd ? `  sha256 ${opts.digests.initrd}` : ""}`,
    ...plan.initrd.members.map((m, i) => {
      const format = opts.formats?.get(i);
      return `  ${String(i + 1).padStart(2)}. at 0x${m.offset.toString(16).padStart(8, "0")} ${String(m.size).padStart(10)} bytes  ${describeMember(m.member)}${format ? `  [${format}]` : ""}`;
    }),
    `cmdline: ${plan.cmdline}`,
    ...(plan.composed.profile > 0 ? [`profile: @${plan.composed.profile}`] : []),
    ...plan.notes.map((n) => `note:    ${n}`),
  ];
  return lines.join("\n");
}

export function planToJson(plan: LoadPlan, opts: { formats?: MemberFormats; digests?: { kernel?: string; initrd?: string } } = {}): unknown {
  return {
    entry: plan.entryId,
    cmdline: plan.cmdline,
    profile: plan.composed.profile,
    kernel: { source: describeSource(plan.kernel), size: sourceSize(plan.kernel), ...(opts.digests?.kernel ? { sha256: opts.digests.kernel } : {}) },
    initrd: {
      size: plan.initrd.size,
      ...(opts.digests?.initrd ? { sha256: opts.digests.initrd } : {}),
      members: plan.initrd.members.map((m, i) => ({
        kind: m.member.kind,
        ...(m.member.origin !== undefined ? { origin: m.member.origin } : {}),
        source: describeSource(m.member.source),
        offset: m.offset,
        size: m.size,
        padding: m.padding,
        compression: opts.formats?.get(i) ?? null,
      })),
    },
    measured: plan.composed.measuredPieces,
    notes: plan.notes,
  };
}
