/** The version ukiboot reports (--version, the menu header). */
export const VERSION = "0.1.0";
/**
 * The day this version was made: a clock that reads an earlier time is surely wrong, which matters to the
 * menu's TOTP code (docs/trust.md §8). Raised with VERSION.
 */
export const VERSION_DATE = "2026-12-07";
