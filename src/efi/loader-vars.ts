/**
 * The Boot Loader Interface variables ukiboot reads and writes (docs/efi-variables.md §2, docs/efi-variables.md §4-16.4), with
 * their GUIDs, whether they are non-volatile, and who owns them.
 */

export const LOADER_GUID = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";
export const EFI_GLOBAL_GUID = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
export const EFI_IMAGE_SECURITY_DATABASE_GUID = "d719b2cb-3d3a-4596-a3bc-dad00e67656f";
export const SHIM_LOCK_GUID = "605dab50-e046-4300-abb6-3dd810dd8b23";

export interface VariableId {
  name: string;
  guid: string;
}

const loader = (name: string): VariableId => ({ name, guid: LOADER_GUID });

/** Non-volatile variables the OS (bootctl, systemctl) and ukiboot may write after boot. */
export const LoaderEntryOneShot = loader("LoaderEntryOneShot");
export const LoaderEntryDefault = loader("LoaderEntryDefault");
/** [260] Like LoaderEntryDefault, but never an entry boot counting marked bad. */
export const LoaderEntryPreferred = loader("LoaderEntryPreferred");
/** [258] The entry to boot after a system failure (docs/order-and-default.md §7). */
export const LoaderEntrySysFail = loader("LoaderEntrySysFail");
export const LoaderEntryLastBooted = loader("LoaderEntryLastBooted");
export const LoaderConfigTimeout = loader("LoaderConfigTimeout");
export const LoaderConfigTimeoutOneShot = loader("LoaderConfigTimeoutOneShot");
/** Volatile when the first stage set it; ukiboot writes an NV copy only when the first stage did not (docs/efi-variables.md §5). */
export const LoaderBootCountPath = loader("LoaderBootCountPath");

/** Volatile, owned by the first stage: read only (docs/efi-variables.md §4). */
export const LoaderDevicePartUUID = loader("LoaderDevicePartUUID");
export const LoaderEntrySelected = loader("LoaderEntrySelected");
/** [258] Volatile: the URL the first stage was loaded from over HTTP, the origin of relative `uki-url`s (docs/network.md §1). */
export const LoaderDeviceURL = loader("LoaderDeviceURL");
export const LoaderEntries = loader("LoaderEntries");
/** [258] Volatile: why the first stage (systemd-boot) saw a system failure. */
export const LoaderSysFailReason = loader("LoaderSysFailReason");
export const LoaderInfo = loader("LoaderInfo");
export const LoaderFeatures = loader("LoaderFeatures");
export const StubInfo = loader("StubInfo");
export const StubDevicePartUUID = loader("StubDevicePartUUID");

export const SecureBoot: VariableId = { name: "SecureBoot", guid: EFI_GLOBAL_GUID };
export const SetupMode: VariableId = { name: "SetupMode", guid: EFI_GLOBAL_GUID };
export const OsIndications: VariableId = { name: "OsIndications", guid: EFI_GLOBAL_GUID };
export const OsIndicationsSupported: VariableId = { name: "OsIndicationsSupported", guid: EFI_GLOBAL_GUID };
export const Db: VariableId = { name: "db", guid: EFI_IMAGE_SECURITY_DATABASE_GUID };
export const Dbx: VariableId = { name: "dbx", guid: EFI_IMAGE_SECURITY_DATABASE_GUID };
export const MokListRT: VariableId = { name: "MokListRT", guid: SHIM_LOCK_GUID };
/** shim's SBAT revocation level: the lowest generation still trusted per component. */
export const SbatLevelRT: VariableId = { name: "SbatLevelRT", guid: SHIM_LOCK_GUID };
/** shim's revocations (MOKX), mirrored for the OS like MokListRT. */
export const MokListXRT: VariableId = { name: "MokListXRT", guid: SHIM_LOCK_GUID };

/** The efivarfs file name of a variable. */
export function efivarfsName(v: VariableId): string {
  return `${v.name}-${v.guid}`;
}
