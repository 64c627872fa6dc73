/**
 * The order of the pieces of the merged initrd (docs/initrd.md §3): for a UKI, systemd-stub 262's
 * order of add-on microcode, UKI sections, generated archives and add-on initrds; for a Type #1 `linux`
 * entry, its `initrd` lines in order. Layout and padding are initrd-layout.ts's job.
 */
import { sourceSize, type ByteSource } from "../bytes/byte-source.ts";
import { describeExtraFileArchive, type ExtraFileName } from "./cpio-targets.ts";
import type { InitrdMember, InitrdMemberKind } from "./initrd-layout.ts";
import type { ExtraKind } from "./entry-extras-archive.ts";

/** An add-on's initrd pieces, already accepted (signature, .uname) by the caller. */
export interface AddonInitrdPieces {
  /** The add-on's file name, for messages and the measurement event. */
  name: string;
  /** C(.ucode), or null when absent. */
  ucode?: ByteSource | null;
  /** C(.initrd), or null when absent. */
  initrd?: ByteSource | null;
}

/** Everything a UKI boot contributes; null or missing means absent. */
export interface Type2InitrdPieces {
  /** The UKI's path, used in messages. */
  origin?: string;
  /** C(.ucode) and C(.initrd) of the selected profile. */
  ucode?: ByteSource | null;
  initrd?: ByteSource | null;
  /** systemd-boot's archives of a Type #1 `uki` entry's extras (entry-extras-archive.ts), by kind. */
  entryExtras?: Partial<Record<ExtraKind, ByteSource>>;
  /** Generated archives (describeTargetArchive), present only when at least one file matched. */
  credentials?: ByteSource | null;
  globalCredentials?: ByteSource | null;
  sysext?: ByteSource | null;
  /** [≥258] from \loader\extensions. */
  globalSysext?: ByteSource | null;
  confext?: ByteSource | null;
  /** [≥258] from \loader\extensions. */
  globalConfext?: ByteSource | null;
  /** Section contents C(s) of the selected profile; wrapped into /.extra archives here. */
  pcrsig?: ByteSource | null;
  pcrpkey?: ByteSource | null;
  osrel?: ByteSource | null;
  /** Only when the selected profile has a .profile section. */
  profile?: ByteSource | null;
  /** In load order: global add-ons sorted by name, then the UKI's own sorted by name. */
  addons?: readonly AddonInitrdPieces[];
}

/**
 * The members in systemd-stub 262's order: add-on .ucode in REVERSE load order (the early microcode
 * loader takes the first match, so later add-ons win), UKI .ucode, the entry's extras (what systemd-boot
 * registered before the stub ran), UKI .initrd, credentials, global credentials, sysext, global sysext,
 * confext, global confext, .pcrsig, .pcrpkey, .osrel, .profile, then add-on .initrd in load order.
 * Absent and empty pieces are left out.
 */
export function planType2Initrd(p: Type2InitrdPieces): InitrdMember[] {
  const out: InitrdMember[] = [];
  const add = (kind: InitrdMemberKind, source: ByteSource | null | undefined, origin?: string) => {
    if (!source || sourceSize(source) === 0) return;
    out.push(origin === undefined ? { kind, source } : { kind, origin, source });
  };
  const addons = p.addons ?? [];
  for (let i = addons.length - 1; i >= 0; i--) add("addon-ucode", addons[i]!.ucode, addons[i]!.name);
  add("ucode", p.ucode, p.origin);
  add("entry-credentials", p.entryExtras?.credential);
  add("entry-sysext", p.entryExtras?.sysext);
  add("entry-confext", p.entryExtras?.confext);
  add("initrd", p.initrd, p.origin);
  add("credentials", p.credentials);
  add("global-credentials", p.globalCredentials);
  add("sysext", p.sysext);
  add("global-sysext", p.globalSysext);
  add("confext", p.confext);
  add("global-confext", p.globalConfext);
  const extra = (kind: InitrdMemberKind & ExtraFileName, content: ByteSource | null | undefined) => {
    // A present section always has VirtualSize > 0, so an empty one means absent.
    if (content && sourceSize(content) > 0) add(kind, describeExtraFileArchive(kind, content), p.origin);
  };
  extra("pcrsig", p.pcrsig);
  extra("pcrpkey", p.pcrpkey);
  extra("osrel", p.osrel);
  extra("profile", p.profile);
  for (const a of addons) add("addon-initrd", a.initrd, a.name);
  return out;
}

/** A Type #1 entry's `initrd` lines in listed order; layout them with style "type1". Empty files are dropped by the layout. */
export function planType1Initrd(files: readonly { path: string; source: ByteSource }[]): InitrdMember[] {
  return files.map((f) => ({ kind: "type1-initrd", origin: f.path, source: f.source }));
}
