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

/** One directory listed once, and the files of each of `kinds` in it. */
async function scanDir(
  fs: ReadOnlyFs,
  root: string,
  dirLoaderPath: string,
  kinds: readonly CompanionFileKind[],
  scope: CompanionFile["scope"],
): Promise<CompanionFile[]> {
  const dir = await resolveLoaderPath(fs, root, dirLoaderPath);
  if (dir?.stat.kind !== "dir") return [];
  const list = await fs.readDir(dir.path).catch(() => []);
  const out: CompanionFile[] = [];
  for (const kind of kinds) {
    for (const name of selectCompanionFiles(list, COMPANION_RULES[kind])) {
      const path = hostPath(dir.path, [name]);
      const st = await fs.stat(path).catch(() => null);
      // Unreadable files are skipped, as the stub skips them.
      if (st && st.kind === "file") out.push({ kind, scope, fileName: name, path, loaderPath: `${dirLoaderPath}\\${name}`, size: st.size });
    }
  }
  return out;
}

/** The UKI's companion files, by kind (credentials, sysext, confext), the UKI's own before the global ones of the same kind. */
export async function scanCompanions(fs: ReadOnlyFs, root: string, ukiLoaderPath: string): Promise<CompanionFile[]> {
  const local = await scanDir(fs, root, ukiExtraDir(ukiLoaderPath), KINDS, "local");
  // \loader\credentials and \loader\extensions (sysexts and confexts share it), each listed once.
  const globalDirs = [...new Set(KINDS.map((k) => COMPANION_RULES[k].globalDir))];
  const global = (
    await Promise.all(
      globalDirs.map((d) =>
        scanDir(
          fs,
          root,
          d,
          KINDS.filter((k) => COMPANION_RULES[k].globalDir === d),
          "global",
        ),
      ),
    )
  ).flat();
  return KINDS.flatMap((k) => [...local.filter((c) => c.kind === k), ...global.filter((c) => c.kind === k)]);
}
