/**
 * The top two rows: the loader's name and version, a pointer to the problems panel, and a rule. With a TOTP
 * secret in use, the rule carries its current code and the seconds it has left, or the sentence saying why
 * there is no code (docs/trust.md §8), so that the layout keeps its two rows.
 */
import type { TotpHeader } from "../../src/ports/menu.ts";
import { contentWidth } from "../state/layout.ts";
import type { MenuState } from "../state/menu-types.ts";
import { displayWidth, padToWidth, sanitizeText, truncateToWidth } from "../text/terminal-text.ts";
import type { FrameLine } from "./frame-line.ts";

/** The TOTP text of the rule, and whether it is a warning. */
export function totpText(totp: TotpHeader | undefined): { text: string; warning: boolean } | undefined {
  if (!totp) return undefined;
  // Each sentence names the TOTP code itself, and the longest fits an 80-column rule whole.
  if (totp.kind === "unavailable") return { text: totp.sentence, warning: true };
  const code = `TOTP ${totp.code.slice(0, 3)} ${totp.code.slice(3)}  ${totp.secondsLeft} s`;
  return totp.clockWarning ? { text: `${code}  ${totp.clockWarning}`, warning: true } : { text: code, warning: false };
}

export function headerLines(state: MenuState): FrameLine[] {
  const { theme } = state;
  const width = contentWidth(state.terminal);
  const left = ` ukiboot${state.version ? ` ${sanitizeText(state.version, { unicode: theme.unicode })}` : ""}`;
  const count = state.problems.length;
  const right = count === 0 ? "" : `${count} ${count === 1 ? "file was" : "files were"} skipped: press w `;
  const gap = Math.max(1, width - displayWidth(left) - displayWidth(right));
  const fits = displayWidth(left) + displayWidth(right) + 1 <= width;
  const totp = totpText(state.totp?.());
  const rule = theme.glyphs.rule;
  const lead = rule.repeat(2);
  const totpShown = totp
    ? truncateToWidth(` ${sanitizeText(totp.text, { unicode: theme.unicode })} `, Math.max(0, width - 2 * displayWidth(lead)), theme.glyphs.ellipsis)
    : "";
  return [
    {
      segments: [
        { text: padToWidth(left, fits ? displayWidth(left) + gap : width), style: "title" },
        ...(fits && right ? [{ text: right, style: "warning" as const }] : []),
      ],
    },
    {
      segments: totp
        ? [
            { text: lead, style: "dim" },
            { text: totpShown, style: totp.warning ? "warning" : "title" },
            { text: rule.repeat(Math.max(0, width - displayWidth(lead) - displayWidth(totpShown))), style: "dim" },
          ]
        : [{ text: rule.repeat(width), style: "dim" }],
    },
  ];
}
