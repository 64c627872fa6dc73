/**
 * The entry the running system was booted from (docs/efi-variables.md §8): the one ukiboot named in its
 * booted-entry credential on this kernel's command line, else the first stage's LoaderEntrySelected. After a
 * kexec through ukiboot, LoaderEntrySelected still names what the first stage started (ukiboot's own kernel,
 * when systemd-boot started it), so the credential goes first.
 */
import { bootedEntryFrom } from "../cmdline/booted-entry.ts";
import { decodeUtf16 } from "../efi/efivar-codec.ts";
import { LoaderEntrySelected } from "../efi/loader-vars.ts";
import type { Sys } from "../ports/sys.ts";

export interface CurrentEntry {
  id: string;
  /** Where the id came from, for messages. */
  source: "the ukiboot.booted-entry credential on the kernel command line" | "LoaderEntrySelected";
}

export function currentEntry(sys: Sys): CurrentEntry | undefined {
  const booted = bootedEntryFrom(sys.kernel.cmdline());
  if (booted) return { id: booted, source: "the ukiboot.booted-entry credential on the kernel command line" };
  if (!sys.efivars.available) return undefined;
  const selected = sys.efivars.read(LoaderEntrySelected);
  return selected ? { id: decodeUtf16(selected.data), source: "LoaderEntrySelected" } : undefined;
}
