/** A terminal the menu is drawn on, and the theme and size the menu, its first frame and the progress view use for it. */
import type { Terminal } from "../src/ports/terminal.ts";
import type { Clock } from "./clock.ts";
import { resolveTerminalSize, type TerminalSize } from "./state/layout.ts";
import { chooseTheme, type Theme, type ThemeOptions } from "./theme.ts";

/** A terminal, with what tests and the kernel command line may set on top. */
export interface MenuIo extends Terminal {
  /** Size overrides (e.g. from the kernel command line); otherwise the terminal's, else 80x24. */
  readonly columns?: number;
  readonly rows?: number;
  readonly themeOptions?: ThemeOptions;
  /** Defaults to the system clock; tests pass a fake one. */
  readonly clock?: Clock;
}

export function terminalSetup(io: Pick<MenuIo, "stdout" | "columns" | "rows" | "env" | "themeOptions">): { theme: Theme; size: () => TerminalSize } {
  const theme = chooseTheme(io.env ?? process.env, io.themeOptions);
  const size = () => resolveTerminalSize({ columns: io.columns ?? io.stdout.columns, rows: io.rows ?? io.stdout.rows });
  return { theme, size };
}
