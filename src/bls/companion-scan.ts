/**
 * The companion files systemd-stub 262 turns into archives for a UKI (docs/initrd.md §1): credentials,
 * system and configuration extensions, global ones in `\loader\credentials` and `\loader\extensions`, and the
 * UKI's own in `<uki without counter>.extra.d`, all on the UKI's partition. Discovery lists them; the plan packs
 * exactly these.
 */
import type { CompanionFile, CompanionFileKind } from "../model/boot-entry.ts";
import { COMPANION_RULES, selectCompanionFiles, ukiExtraDir } from "../initrd/companion-files.ts";
import type { ReadOnlyFs } from "../ports/fs.ts";
import { hostPath, resolveLoaderPath } from "./partition-files.ts";

const KINDS: readonly CompanionFileKind[] = ["credentials", "sysext", "confext"];

async function scanDir(fs: ReadOnlyFs, root: string, dirLoaderPath: string, kind: CompanionFileKind, scope: CompanionFile["scope"]): Promise<CompanionFile[]> {
  const dir = await resolveLoaderPath(fs, root, dirLoaderPath);
  if (!dir || dir.stat.kind !== "dir") return [];
  const list = await fs.readDir(dir.path).catch(() => []);
  const out: CompanionFile[] = [];
  for (const name of selectCompanionFiles(list, COMPANION_RULES[kind])) {
    const path = hostPath(dir.path, [name]);
    const st = await fs.stat(path).catch(() => null);
    // Unreadable files are skipped, as the stub skips them.
    if (st && st.kind === "file") out.push({ kind, scope, fileName: name, path, loaderPath: `${dirLoaderPath}\\${name}`, size: st.size });
  }
  return out;
}

/** The UKI's companion files, by kind (credentials, sysext, confext), the UKI's own before the global ones of the same kind. */
export async function scanCompanions(fs: ReadOnlyFs, root: string, ukiLoaderPath: string): Promise<CompanionFile[]> {
  const out: CompanionFile[] = [];
  const local = ukiExtraDir(ukiLoaderPath);
  for (const kind of KINDS) {
    out.push(...(await scanDir(fs, root, local, kind, "local")));
    out.push(...(await scanDir(fs, root, COMPANION_RULES[kind].globalDir, kind, "global")));
  }
  return out;
}
