/**
 * What the error screen shows for a failure: the message, and for a BootError (and SysCallError) its hint.
 * Stacks and cause chains belong in the log, never on the console (style guide §6.3).
 */
import { BootError } from "../src/errors.ts";
import type { MenuError } from "../src/ports/menu.ts";

export function menuErrorFrom(err: unknown): MenuError {
  if (err instanceof BootError) return err.hint ? { message: err.message, hint: err.hint } : { message: err.message };
  if (err instanceof Error) return { message: err.message };
  return { message: String(err) };
}
