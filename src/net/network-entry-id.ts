/**
 * The ids of the entries `ukiboot.url=` brings (docs/network.md §2): `net:` before the id the boot index gives,
 * or before the UKI's file name. A boot server chooses its ids, and network entries are listed first, so
 * without the prefix an index could name an entry like a local one and take every setting meant for it:
 * LoaderEntryOneShot, LoaderEntryDefault, `@saved`, `ukiboot.entry=`. A local id is a file name on the ESP
 * (FAT, where `:` cannot appear), so no local id ever starts with `net:`.
 */

export const NETWORK_ID_PREFIX = "net:";

/** @example networkEntryId("fedora.efi") // "net:fedora.efi" */
export function networkEntryId(id: string): string {
  return `${NETWORK_ID_PREFIX}${id}`;
}
