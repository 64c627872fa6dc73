/**
 * The settings of `\loader\loader.conf` (docs/order-and-default.md §3), as parsed from the ESP. Values that
 * were missing or invalid are undefined and the defaults below apply.
 */

/** `timeout`: seconds (0 = hidden menu), or one of systemd's words. */
export type LoaderTimeout = number | "menu-force" | "menu-hidden" | "menu-disabled";

/** `default`/`preferred`: a glob over entry ids, or `@saved` for `default`. */
export type DefaultPattern = string;

export interface LoaderConfig {
  /** `timeout`; undefined means unset, which systemd-boot treats as 0 (docs/order-and-default.md §4). */
  timeout?: LoaderTimeout;
  /** `default` as written (the comparison lower-cases it); `@saved` is normalised to lower case. */
  default?: DefaultPattern;
  /** `editor` (default true). */
  editor: boolean;
  /** `auto-entries` (default true); parsed only, ukiboot offers no auto entries. */
  autoEntries: boolean;
  /** `auto-firmware` (default true). */
  autoFirmware: boolean;
  /** `auto-poweroff` (default false). */
  autoPoweroff: boolean;
  /** `auto-reboot` (default false). */
  autoReboot: boolean;
  /** `reboot-on-error` [≥258] (default "auto"). */
  rebootOnError: "auto" | boolean;
  /** `preferred` [≥260], kept for an optional later use. */
  preferred?: DefaultPattern;
  /** `beep` (default false). */
  beep: boolean;
  /** `reboot-for-bitlocker` (default false); parsed only. */
  rebootForBitlocker: boolean;
  /** Keys that are parsed and kept but have no effect in ukiboot: `console-mode`, `log-level`, `secure-boot-enroll`, … */
  other: Record<string, string>;
}

export const DEFAULT_LOADER_CONFIG: Readonly<LoaderConfig> = Object.freeze({
  editor: true,
  autoEntries: true,
  autoFirmware: true,
  autoPoweroff: false,
  autoReboot: false,
  rebootOnError: "auto",
  beep: false,
  rebootForBitlocker: false,
  other: {},
});
