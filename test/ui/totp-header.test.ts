import { expect, test } from "bun:test";
import { TOTP_SENTENCES } from "../../src/flow/totp-secret.ts";
import { totpText } from "../../ui/frame/header-lines.ts";

test("the header's TOTP text: the code in two groups and its seconds, a warning for a wrong clock, or the sentence", () => {
  expect(totpText(undefined)).toBeUndefined();
  expect(totpText({ kind: "code", code: "042517", secondsLeft: 9 })).toEqual({ text: "TOTP 042 517  9 s", warning: false });
  expect(totpText({ kind: "code", code: "042517", secondsLeft: 9, clockWarning: "the clock says 2001-01-01" })).toEqual({
    text: "TOTP 042 517  9 s  the clock says 2001-01-01",
    warning: true,
  });
  expect(totpText({ kind: "unavailable", sentence: TOTP_SENTENCES.changed })).toEqual({ text: TOTP_SENTENCES.changed, warning: true });
  // Each sentence fits the rule of an 80-column console whole: 79 columns less two rule characters each side and the spaces.
  for (const s of Object.values(TOTP_SENTENCES)) expect(s.length).toBeLessThanOrEqual(79 - 4 - 2);
});
