/**
 * Clock: the menu's only source of time and timers, so that tests can drive the countdown, the hidden-menu
 * key window and the lone-ESC flush with a fake clock.
 */

export interface Clock {
  /** Milliseconds; only differences matter. */
  now(): number;
  /** Calls `fn` after `ms`; returns a function that cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

/** Monotonic time: the wall clock can jump while the initramfs runs (RTC or NTP setting the date). */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};
