/**
 * The cache key of an initramfs made by a distribution's generator with ukiboot's hook (build/mkinitramfs.ts,
 * build/dracut-image.ts): what the image was built from, hashed.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../debian.ts";

export const HOOKS_DIR = join(REPO_ROOT, "initrd-hooks");

/**
 * `settings` (the generator's version, the kernel, its configuration), the binary, and `hookFiles` (paths
 * under initrd-hooks/) by content. The binary is over 100 MB; its size and mtime identify a build well
 * enough (as build/esp-scenarios.ts does).
 */
export function hookImageKey(settings: unknown, binary: string, hookFiles: readonly string[]): string {
  const h = createHash("sha256");
  h.update(JSON.stringify(settings));
  const b = statSync(binary);
  h.update(`${b.size}:${b.mtimeMs}`);
  for (const f of hookFiles) h.update(`${f}\0`).update(readFileSync(join(HOOKS_DIR, f)));
  return h.digest("hex").slice(0, 16);
}
