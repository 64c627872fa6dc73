/**
 * Kdump add-ons (docs/kdump.md §5): signed add-ons whose `.cmdline` carries a crash kernel's options, for
 * when the UKI's own signed command line may not change (Secure Boot, enforce). They live in a `kdump`
 * directory next to the add-ons the stub uses, `<uki>.efi.extra.d\kdump\` and `\loader\addons\kdump\`,
 * because systemd-stub applies every `*.addon.efi` of those directories to every boot but never looks
 * into a subdirectory: a kdump add-on there can never change a normal boot, whatever its name.
 */
import { applicableAddons, GLOBAL_ADDON_DIR, scanAddons } from "../bls/addons.ts";
import { stripCounterFromPath } from "../bls/boot-counter-name.ts";
import type { BootAddon, BootEntry } from "../model/boot-entry.ts";
import { ukiOf } from "../model/entry-rules.ts";
import type { Problem } from "../model/problem.ts";
import { efiArchOfNodeArch } from "../pe/efi-arch.ts";
import type { ReadOnlyFs } from "../ports/fs.ts";

export const KDUMP_ADDON_DIR = "kdump";

/**
 * Where the kdump add-ons of the UKI at `ukiLoaderPath` are, global first, as loader paths.
 * @example kdumpAddonDirs("\\EFI\\Linux\\debian-6.12+2-1.efi") // ["\\loader\\addons\\kdump", "\\EFI\\Linux\\debian-6.12.efi.extra.d\\kdump"]
 */
export function kdumpAddonDirs(ukiLoaderPath: string): [global: string, local: string] {
  return [`${GLOBAL_ADDON_DIR}\\${KDUMP_ADDON_DIR}`, `${stripCounterFromPath(ukiLoaderPath)}.extra.d\\${KDUMP_ADDON_DIR}`];
}

/**
 * The kdump add-ons that apply to `entry`, global first, each group in byte order, those of another kernel
 * (`.uname`) left out as the stub leaves out add-ons. None for a plain kernel, which takes no add-ons.
 */
export async function findKdumpAddons(fs: ReadOnlyFs, entry: BootEntry, problems: Problem[]): Promise<BootAddon[]> {
  const uki = ukiOf(entry);
  if (!uki) return [];
  const arch = efiArchOfNodeArch(process.arch) ?? "x64";
  const [global, local] = kdumpAddonDirs(uki.loaderPath);
  const found = [
    ...(await scanAddons(fs, { root: entry.root, dirLoaderPath: global, scope: "global", arch, problems })),
    ...(await scanAddons(fs, { root: entry.root, dirLoaderPath: local, scope: "local", arch, problems })),
  ];
  const { addons, mismatched } = applicableAddons(found, uki.uname);
  for (const m of mismatched) {
    problems.push({ file: m.addon.path, message: `Ignoring kdump add-on "${m.addon.fileName}": it is for another kernel (.uname)`, severity: "warning" });
  }
  return addons;
}
