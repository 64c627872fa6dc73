/**
 * The menu's theme: glyphs (Unicode, or an ASCII set for consoles where Unicode is unsafe) and whether
 * to use colours and text attributes, chosen from TERM, the locale and NO_COLOR (no-color.org).
 */

export interface Glyphs {
  /** Before the highlighted entry; the highlight must be visible without any attributes. */
  readonly pointer: string;
  /** systemd-boot's default-entry marker, "►" or "=>" (docs/menu.md §1). Two columns wide. */
  readonly defaultMarker: string;
  /** Repeated to draw horizontal rules. */
  readonly rule: string;
  readonly up: string;
  readonly down: string;
  readonly left: string;
  readonly right: string;
  readonly ellipsis: string;
  readonly barFull: string;
  readonly barEmpty: string;
}

export interface Theme {
  readonly glyphs: Glyphs;
  /** Non-ASCII text may be written as is; when false it is replaced by "?". */
  readonly unicode: boolean;
  /** Colours (foreground) may be used. */
  readonly color: boolean;
  /** Inverse, bold and dim may be used. */
  readonly attributes: boolean;
}

/** Glyphs from code page 437, so they also exist in the Linux console's default font. */
export const UNICODE_GLYPHS: Glyphs = {
  pointer: "»",
  defaultMarker: "► ",
  rule: "─",
  up: "↑",
  down: "↓",
  left: "←",
  right: "→",
  ellipsis: "…",
  barFull: "█",
  barEmpty: "░",
};

export const ASCII_GLYPHS: Glyphs = {
  pointer: ">",
  defaultMarker: "=>",
  rule: "-",
  up: "Up",
  down: "Down",
  left: "Left",
  right: "Right",
  ellipsis: "...",
  barFull: "#",
  barEmpty: ".",
};

/** Terminals whose TERM says nothing about Unicode: serial consoles are often vt100 or unset, and the
 * Linux VGA console only has the glyphs of its loaded font. */
const ASCII_TERMS = new Set(["", "dumb", "linux", "vt52", "vt100", "vt102", "vt220", "ansi"]);
/** Terminals without colour. */
const MONOCHROME_TERMS = new Set(["vt52", "vt100", "vt102", "vt220"]);

export interface ThemeOptions {
  /** Override the glyph choice, e.g. from a kernel command-line option. */
  readonly glyphs?: "unicode" | "ascii";
}

/** Picks glyphs and styles from the environment. TERM unset (a bare serial console) gets ASCII and no attributes. */
export function chooseTheme(env: Readonly<Record<string, string | undefined>>, opts: ThemeOptions = {}): Theme {
  const term = (env.TERM ?? "").toLowerCase();
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || "";
  const utf8Locale = /utf-?8/i.test(locale);
  const unicode = opts.glyphs ? opts.glyphs === "unicode" : utf8Locale && !ASCII_TERMS.has(term);
  const attributes = term !== "" && term !== "dumb";
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== "";
  const color = attributes && !noColor && !MONOCHROME_TERMS.has(term);
  return { glyphs: unicode ? UNICODE_GLYPHS : ASCII_GLYPHS, unicode, color, attributes };
}

/** What a piece of text is, for styling; the theme decides how (or whether) it is shown. */
export type TextStyle = "normal" | "heading" | "dim" | "warning" | "error" | "selected" | "marker" | "title";

/** The subset of Ink's <Text> props the menu uses. */
export interface TextStyleProps {
  bold?: boolean;
  dimColor?: boolean;
  inverse?: boolean;
  color?: string;
}

/**
 * Ink props for a style. Without attributes everything is plain text, which is why the highlight also has
 * a pointer glyph; without colour only bold, dim and inverse are used.
 */
export function textStyleProps(style: TextStyle, theme: Theme): TextStyleProps {
  if (!theme.attributes) return {};
  const color = (c: string): TextStyleProps => (theme.color ? { color: c } : {});
  switch (style) {
    case "normal":
      return {};
    case "title":
      return { bold: true, ...color("cyan") };
    case "heading":
      return { bold: true };
    case "dim":
      return { dimColor: true };
    case "warning":
      return theme.color ? { color: "yellow" } : { bold: true };
    case "error":
      return { bold: true, ...color("red") };
    case "selected":
      return { inverse: true };
    case "marker":
      return { bold: true, ...color("green") };
    default: {
      const unhandled: never = style;
      throw new Error(`Internal error: unhandled text style ${String(unhandled)}`);
    }
  }
}
