/**
 * The menu's screen layout in rows and columns: a header (title, rule), a body (entry list or a view),
 * and a footer (rule, status line, key hints). The frame leaves the last row and column unused, because
 * writing there makes many terminals scroll or wrap.
 */

export interface TerminalSize {
  readonly columns: number;
  readonly rows: number;
}

/** What a terminal that reports no size (a serial console) is assumed to be. */
export const DEFAULT_TERMINAL_SIZE: TerminalSize = { columns: 80, rows: 24 };

export const HEADER_ROWS = 2;
export const FOOTER_ROWS = 3;
const MIN_BODY_ROWS = 3;
const MIN_WIDTH = 20;

/** Rows of the whole frame. */
export function frameRows(size: TerminalSize): number {
  return HEADER_ROWS + bodyRows(size) + FOOTER_ROWS;
}

/** Rows for the entry list or a view: the page size of PgUp/PgDn. */
export function bodyRows(size: TerminalSize): number {
  return Math.max(MIN_BODY_ROWS, size.rows - 1 - HEADER_ROWS - FOOTER_ROWS);
}

/** Columns text may use. */
export function contentWidth(size: TerminalSize): number {
  return Math.max(MIN_WIDTH, size.columns - 1);
}

/** Columns of the command-line editor's field (the line scrolls sideways inside it). */
export function editorFieldWidth(size: TerminalSize): number {
  return contentWidth(size) - 2;
}

/** Terminal size from what the terminal reports, falling back to 80x24 for zero or missing values. */
export function resolveTerminalSize(reported: { columns?: number | undefined; rows?: number | undefined }): TerminalSize {
  const ok = (n: number | undefined): n is number => typeof n === "number" && Number.isFinite(n) && n > 0;
  return {
    columns: ok(reported.columns) ? Math.floor(reported.columns) : DEFAULT_TERMINAL_SIZE.columns,
    rows: ok(reported.rows) ? Math.floor(reported.rows) : DEFAULT_TERMINAL_SIZE.rows,
  };
}
