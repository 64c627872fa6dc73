/**
 * The menu timeout as the +/t and -/T keys step it, and the status text for each value: systemd-boot
 * 257's update_timeout_efivar() (docs/menu.md §1, docs/order-and-default.md §4). Its chain is
 * unset ↔ menu-force ↔ hidden ↔ 1 s ↔ 2 s ↔ … ↔ 2³²−3 s.
 */

/** The largest number of seconds: 2³²−3 (2³²−2 encodes "unset" and 2³²−1 "menu-force"). */
export const TIMEOUT_MAX_SECONDS = 2 ** 32 - 3;

/** A timeout as systemd-boot holds it. Numbers are 1 … TIMEOUT_MAX_SECONDS; 0 is "menu-hidden". */
export type TimeoutValue = number | "menu-force" | "menu-hidden" | "menu-disabled" | "unset";

/** Turns 0 into "menu-hidden" and clamps numbers, so that equal settings compare equal. */
export function normalizeTimeout(value: TimeoutValue): TimeoutValue {
  if (typeof value !== "number") return value;
  if (!Number.isFinite(value) || value <= 0) return "menu-hidden";
  return Math.min(Math.floor(value), TIMEOUT_MAX_SECONDS);
}

/** One press of + (up) or - (down), from the timeout in effect. */
export function stepTimeout(current: TimeoutValue, direction: "up" | "down"): TimeoutValue {
  const value = normalizeTimeout(current);
  const up = direction === "up";
  switch (value) {
    case "unset":
      return up ? "menu-force" : "unset";
    case "menu-disabled":
      return up ? 1 : "menu-force";
    case "menu-force":
      return up ? "menu-hidden" : "menu-force";
    case "menu-hidden":
      return up ? 1 : "menu-force";
    default:
      if (up) return Math.min(value + 1, TIMEOUT_MAX_SECONDS);
      return value - 1 === 0 ? "menu-hidden" : value - 1;
  }
}

/** The status line after a step, word for word as systemd-boot prints it. */
export function timeoutStatusText(value: TimeoutValue): string {
  const v = normalizeTimeout(value);
  switch (v) {
    case "unset":
      return "Menu timeout defined by configuration file.";
    case "menu-force":
      return "Timeout disabled, menu will always be shown.";
    case "menu-hidden":
      return "Menu hidden. Hold down key at bootup to show menu.";
    case "menu-disabled":
      // Stepping never reaches menu-disabled; it can only come from loader.conf.
      return "Menu disabled.";
    default:
      return `Menu timeout set to ${v} s.`;
  }
}
