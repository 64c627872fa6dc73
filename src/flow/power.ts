/**
 * Reboot, power off and reboot into the firmware setup, carried out in one place for every command that
 * offers them (the menu's entries, `ukiboot init` and `ukiboot menu`).
 */
import { ATTRS_PERSISTENT, decodeU64, encodeU64 } from "../efi/efivar-codec.ts";
import { OsIndications } from "../efi/loader-vars.ts";
import type { Sys } from "../ports/sys.ts";

export type PowerAction = "reboot" | "poweroff" | "firmware-setup";

/** Sets OsIndications bit 0 so the firmware opens its setup on the next boot (docs/menu.md §1, key `f`). */
export function requestFirmwareSetup(sys: Sys): void {
  const cur = sys.efivars.read(OsIndications);
  const bits = (cur ? (decodeU64(cur.data) ?? 0n) : 0n) | 1n;
  sys.efivars.write(OsIndications, { attributes: ATTRS_PERSISTENT, data: encodeU64(bits) });
}

/** Unmounts and syncs, then reboots or powers off. Returns only when the kernel refused (it throws then). */
export function carryOut(sys: Sys, action: PowerAction): void {
  if (action === "firmware-setup") requestFirmwareSetup(sys);
  for (const f of sys.mounts.releaseAll()) sys.log.warn(`could not unmount ${f.target}: ${f.error.message}`);
  if (action === "poweroff") sys.power.powerOff();
  else sys.power.reboot();
}

/** The words for a dry run: what would have happened. */
export function describePowerAction(action: PowerAction): string {
  return action === "poweroff" ? "power off" : action === "reboot" ? "reboot" : "reboot into the firmware setup";
}
