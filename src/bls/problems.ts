/**
 * Turning whatever a file read or parse threw into one problem sentence, so that no input stops
 * discovery: one bad file must not hide the rest of the ESP, as systemd-boot still lists the others.
 */
import { FormatError } from "../errors.ts";

/** "Cannot <action> "<path>": <reason>" for any thrown value; FormatError messages are used as they are. */
export function describeFailure(action: string, path: string, e: unknown): string {
  if (e instanceof FormatError) return e.message;
  const code = typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;
  const msg = e instanceof Error ? e.message : String(e);
  return `Cannot ${action} "${path}": ${code && !msg.includes(code) ? `${code}: ` : ""}${msg}`;
}
