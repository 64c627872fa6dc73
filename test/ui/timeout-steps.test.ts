import { describe, expect, test } from "bun:test";
import { normalizeTimeout, stepTimeout, TIMEOUT_MAX_SECONDS, type TimeoutValue, timeoutStatusText } from "../../ui/state/timeout-steps.ts";

describe("stepTimeout() is systemd-boot's update_timeout_efivar()", () => {
  const table: [TimeoutValue, "up" | "down", TimeoutValue][] = [
    ["unset", "up", "menu-force"],
    ["unset", "down", "unset"],
    ["menu-force", "up", "menu-hidden"],
    ["menu-force", "down", "menu-force"],
    ["menu-hidden", "up", 1],
    ["menu-hidden", "down", "menu-force"],
    [0, "up", 1],
    [0, "down", "menu-force"],
    ["menu-disabled", "up", 1],
    ["menu-disabled", "down", "menu-force"],
    [1, "up", 2],
    [1, "down", "menu-hidden"],
    [5, "up", 6],
    [5, "down", 4],
    [TIMEOUT_MAX_SECONDS, "up", TIMEOUT_MAX_SECONDS],
    [TIMEOUT_MAX_SECONDS, "down", TIMEOUT_MAX_SECONDS - 1],
    [TIMEOUT_MAX_SECONDS - 1, "up", TIMEOUT_MAX_SECONDS],
  ];
  for (const [from, dir, to] of table) {
    test(`${String(from)} ${dir} → ${String(to)}`, () => {
      expect(stepTimeout(from, dir)).toBe(to);
    });
  }

  test("the chain from unset walks up to 3 s and back down to menu-force", () => {
    let v: TimeoutValue = "unset";
    const seen: TimeoutValue[] = [];
    for (let i = 0; i < 5; i++) seen.push((v = stepTimeout(v, "up")));
    for (let i = 0; i < 5; i++) seen.push((v = stepTimeout(v, "down")));
    expect(seen).toEqual(["menu-force", "menu-hidden", 1, 2, 3, 2, 1, "menu-hidden", "menu-force", "menu-force"]);
  });
});

test("normalizeTimeout() maps 0 to menu-hidden and clamps to 2^32-3", () => {
  expect(normalizeTimeout(0)).toBe("menu-hidden");
  expect(normalizeTimeout(2 ** 32 - 1)).toBe(TIMEOUT_MAX_SECONDS);
  expect(normalizeTimeout(7)).toBe(7);
});

test("timeoutStatusText() uses systemd-boot's sentences", () => {
  expect(timeoutStatusText("unset")).toBe("Menu timeout defined by configuration file.");
  expect(timeoutStatusText("menu-force")).toBe("Timeout disabled, menu will always be shown.");
  expect(timeoutStatusText("menu-hidden")).toBe("Menu hidden. Hold down key at bootup to show menu.");
  expect(timeoutStatusText(12)).toBe("Menu timeout set to 12 s.");
});
