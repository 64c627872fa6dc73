/**
 * The "@N" profile selector at the start of a UKI's LoadOptions (docs/entries.md §5; systemd
 * src/boot/stub.c parse_profile_from_cmdline()).
 */

export interface ProfilePrefix {
  /** The selected profile; 0 when there is no valid prefix. */
  profile: number;
  /** The options with exactly the prefix and one following space removed, or unchanged. */
  rest: string;
  /** Whether a prefix was found and removed. */
  found: boolean;
}

const UINT_MAX = 0xffffffff;

/**
 * Splits "@N" (one or more digits, at most 2³²−1) followed by one space or the end from `options`.
 * Anything else ("@1x", "@", "@99999999999") stays part of the command line and selects profile 0.
 * Nothing else is touched, so that measured command lines stay predictable.
 * @example parseProfilePrefix("@1  quiet")  // {profile: 1, rest: " quiet", found: true}
 */
export function parseProfilePrefix(options: string): ProfilePrefix {
  const none = { profile: 0, rest: options, found: false };
  if (options[0] !== "@") return none;
  let i = 1;
  while (i < options.length && options[i]! >= "0" && options[i]! <= "9") i++;
  if (i === 1) return none;
  const value = BigInt(options.slice(1, i));
  if (value > BigInt(UINT_MAX)) return none;
  if (i < options.length) {
    if (options[i] !== " ") return none;
    i++;
  }
  return { profile: Number(value), rest: options.slice(i), found: true };
}

/**
 * The LoadOptions systemd-boot passes to a UKI: `base` (a confirmed edit, or a Type #1 entry's options),
 * prefixed with "@N" for profile N > 0; null when there is nothing to pass.
 * @example profileLoadOptions(2, null)  // "@2"
 */
export function profileLoadOptions(profile: number, base: string | null): string | null {
  if (profile <= 0) return base;
  return base === null || base === "" ? `@${profile}` : `@${profile} ${base}`;
}
