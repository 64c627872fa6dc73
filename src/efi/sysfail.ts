/**
 * SysFail (docs/order-and-default.md §7): whether the firmware reports a system failure that makes
 * systemd-boot 262 boot LoaderEntrySysFail. systemd-boot knows one kind, a failed system firmware update,
 * from the EFI System Resource Table; Linux shows the same table under /sys/firmware/efi/esrt. As systemd-boot
 * does, the first entry of type "system firmware" decides.
 */

/** One ESRT entry, as /sys/firmware/efi/esrt/entries/entryN/{fw_type,last_attempt_status} show it. */
export interface EsrtEntry {
  fwType: number;
  lastAttemptStatus: number;
}

/** ESRT_FW_TYPE_SYSTEMFIRMWARE and LAST_ATTEMPT_STATUS_SUCCESS of the UEFI specification. */
const FW_TYPE_SYSTEM_FIRMWARE = 1;
const LAST_ATTEMPT_STATUS_SUCCESS = 0;

/** The reason systemd-boot 262 stores in LoaderSysFailReason for a failed firmware update, spelled as it spells it. */
export const SYSFAIL_FIRMWARE_UPDATE = "firmware-updare-failure";

/**
 * The failure the ESRT shows, or null: none, or no ESRT (no UEFI, a kernel without CONFIG_EFI_ESRT, LinuxBoot).
 * @example systemFailure([{ fwType: 1, lastAttemptStatus: 1 }]) // "firmware-updare-failure"
 */
export function systemFailure(esrt: readonly EsrtEntry[] | null): string | null {
  const system = esrt?.find((e) => e.fwType === FW_TYPE_SYSTEM_FIRMWARE);
  return system && system.lastAttemptStatus !== LAST_ATTEMPT_STATUS_SUCCESS ? SYSFAIL_FIRMWARE_UPDATE : null;
}
