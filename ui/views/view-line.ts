/**
 * ViewLine: one line of a text view (details, help, problems, error), with a style the components map
 * to theme attributes. Views are built as lines so that scrolling and the 80x24 layout are exact.
 */

export type LineStyle = "normal" | "heading" | "dim" | "warning" | "error";

export interface ViewLine {
  readonly text: string;
  readonly style: LineStyle;
}

export const line = (text: string, style: LineStyle = "normal"): ViewLine => ({ text, style });

/** How a view builder should lay out its text. */
export interface ViewFormat {
  /** Columns available to the text. */
  readonly width: number;
  /** Whether non-ASCII text may be shown (else it becomes "?"). */
  readonly unicode: boolean;
}
