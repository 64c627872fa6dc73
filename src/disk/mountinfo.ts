/** /proc/self/mountinfo parsing (proc(5)), to find where the ESP is mounted on a running system. */

export interface MountInfo {
  mountPoint: string;
  fsType: string;
  source: string;
  /** The mount's root within its filesystem: "/" for a whole-filesystem mount. */
  root: string;
}

/** Octal escapes (\040 for space) as the kernel writes them. */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const l = left.split(" ");
    const r = right.split(" ");
    out.push({ root: unescapeOctal(l[3] ?? ""), mountPoint: unescapeOctal(l[4] ?? ""), fsType: r[0] ?? "", source: unescapeOctal(r[1] ?? "") });
  }
  return out;
}

/**
 * The ESP as systemd finds it on an installed system: the first of /efi, /boot/efi, /boot that is a vfat
 * mount (the last mount on a path wins, as the kernel's view does).
 */
export function findEspMountPoint(mounts: MountInfo[]): string | undefined {
  for (const candidate of ["/efi", "/boot/efi", "/boot"]) {
    const m = mounts.filter((x) => x.mountPoint === candidate).at(-1);
    if (m && (m.fsType === "vfat" || m.fsType === "msdos")) return candidate;
  }
  return undefined;
}
