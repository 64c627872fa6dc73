/** The countdown and the hidden menu's key window: what a `tick` does, and when the next one is due. */
import { chooseSelected } from "./menu-decision.ts";
import type { MenuState } from "./menu-types.ts";

/** Whole seconds left on the countdown, as "Boot in N s." shows them; undefined without a countdown. */
export function countdownSeconds(state: MenuState): number | undefined {
  if (state.countdownDeadline === undefined || state.phase !== "menu") return undefined;
  return Math.max(0, Math.ceil((state.countdownDeadline - state.now) / 1000));
}

/**
 * When the state next needs a `tick`: the next change of the countdown's seconds, the end of the key window,
 * or, with a TOTP line in the header, the next whole second, so that its code and seconds stay current.
 */
export function nextWakeup(state: MenuState): number | undefined {
  if (state.phase === "hidden") return state.hiddenDeadline;
  if (state.phase !== "menu") return undefined;
  const totpTick = state.totp ? state.now + 1000 - (state.now % 1000) : undefined;
  if (state.countdownDeadline === undefined) return totpTick;
  const left = state.countdownDeadline - state.now;
  if (left <= 0) return state.now;
  return state.now + (left % 1000 === 0 ? 1000 : left % 1000);
}

/** At the deadline the highlighted entry boots, as if nobody were there. */
export function onTick(state: MenuState): MenuState {
  const deadline = state.phase === "hidden" ? state.hiddenDeadline : state.countdownDeadline;
  if (deadline !== undefined && state.now >= deadline) return chooseSelected(state, { unattended: true });
  return state;
}
