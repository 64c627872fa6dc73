/**
 * What the build decided (`bun run build -- --allow-rescue-shell`); run from source, nothing is set. The
 * build defines UKIBOOT_ALLOW_RESCUE_SHELL as "1" for lab images that keep the shell under enforce.
 */

declare const UKIBOOT_ALLOW_RESCUE_SHELL: string | undefined;

/** Whether this binary was built to offer the rescue shell even while signatures are enforced. */
export function builtWithRescueShell(): boolean {
  return typeof UKIBOOT_ALLOW_RESCUE_SHELL !== "undefined" && UKIBOOT_ALLOW_RESCUE_SHELL === "1";
}
