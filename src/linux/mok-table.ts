/**
 * The MOK configuration table as the kernel shows it (/sys/firmware/efi/mok-variables/, one file per entry
 * with the raw data): shim's MokListRT, MokListXRT and SbatLevelRT as shim handed them over at boot
 * (docs/trust.md §3).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { MokTable } from "../ports/sys.ts";

export const MOK_TABLE_DIR = "/sys/firmware/efi/mok-variables";

/** The table in `location`, or null when the kernel shows none there. */
export function openMokTable(location: string = MOK_TABLE_DIR): MokTable | null {
  if (!existsSync(location)) return null;
  return {
    location,
    read(name) {
      try {
        return new Uint8Array(readFileSync(join(location, name)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw e;
      }
    },
  };
}
