/**
 * Which entry ukiboot started, told to the booted system (docs/efi-variables.md §8, docs/command-line.md §6). systemd-boot says it
 * with the volatile LoaderEntrySelected, which cannot be set once boot services have ended; ukiboot adds a
 * system credential to the command line instead. The target's systemd exposes it as
 * /run/credentials/@system/ukiboot.booted-entry, and `ukiboot list` in the target reads the word back from
 * /proc/cmdline, with or without systemd. The word is not measured: PCR 12 covers only what the stub would
 * measure, so a sealed secret does not depend on it.
 */

export const BOOTED_ENTRY_CREDENTIAL = "ukiboot.booted-entry";
const PREFIX = `systemd.set_credential=${BOOTED_ENTRY_CREDENTIAL}:`;

/** Ids the kernel passes through as one word, unchanged: no quotes, no whitespace, nothing to escape. */
const PLAIN_ID = /^[A-Za-z0-9._+@~:,=-]+$/;

/** The command line word for `id`, or undefined when the id cannot be carried as one plain word. */
export function bootedEntryWord(id: string): string | undefined {
  return PLAIN_ID.test(id) ? `${PREFIX}${id}` : undefined;
}

/** The entry id the credential on `cmdline` names; the last such word wins, as systemd imports them in order. */
export function bootedEntryFrom(cmdline: string): string | undefined {
  let found: string | undefined;
  for (const word of cmdline.split(/\s+/)) if (word.startsWith(PREFIX) && word.length > PREFIX.length) found = word.slice(PREFIX.length);
  return found;
}
