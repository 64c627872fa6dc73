/** `ukiboot boot` as the flow tests drive it: open a session and run the one boot flow unattended. */
import { openSession, type SessionOptions } from "../../src/flow/boot-session.ts";
import { runBoot } from "../../src/flow/run-boot.ts";
import type { LoadPlan } from "../../src/plan/load-plan.ts";
import type { Sys } from "../../src/ports/sys.ts";

export async function bootDefault(
  sys: Sys,
  req: SessionOptions & { esp: string; xbootldr?: string; dryRun: boolean; out: { write(s: string): unknown } },
): Promise<LoadPlan> {
  const session = await openSession(sys, { esp: req.esp, ...(req.xbootldr ? { xbootldr: req.xbootldr } : {}) }, req);
  const outcome = await runBoot(sys, session, { chooser: null, menuFirst: false, ...(req.dryRun ? { dryRun: { out: req.out } } : {}) });
  if (outcome.kind === "started" || outcome.kind === "dry-run") return outcome.plan;
  throw new Error(`Internal error: an unattended boot ended with "${outcome.kind}"`);
}
