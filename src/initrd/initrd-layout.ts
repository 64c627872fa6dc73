/**
 * The merged initrd as a description: which member goes where, with how much NUL padding, and a
 * streaming iterator over the pieces (docs/initrd.md §3 "Concatenation"; docs/kexec.md §5).
 * Nothing here reads files; the effect layer copies the pieces into one memfd.
 */
import { alignUp, checkedAdd } from "../bytes/byte-reader.ts";
import { copyLeaf, describeSource, sourceLeaves, sourceSize, zerosSource, type ByteLeaf, type ByteSource, type ReadRangeSync } from "../bytes/byte-source.ts";

/** What a member is, in the stub's terms (docs/initrd.md §3 rows) or a Type #1 `initrd` line. */
export type InitrdMemberKind =
  | "addon-ucode"
  | "ucode"
  /** systemd-boot's archives of a Type #1 entry's `extra` files (262), the stub's "previous" initrd. */
  | "entry-credentials"
  | "entry-sysext"
  | "entry-confext"
  | "initrd"
  | "credentials"
  | "global-credentials"
  | "sysext"
  | "global-sysext"
  | "confext"
  | "global-confext"
  | "pcrsig"
  | "pcrpkey"
  | "osrel"
  | "profile"
  | "addon-initrd"
  | "type1-initrd"
  /** A crash kernel's own initrd (ukiboot kdump --initrd), in place of the merged one. */
  | "kdump-initrd"
  /** ukiboot's own event log handed to the target (not a systemd-stub piece). */
  | "event-log";

export interface InitrdMember {
  kind: InitrdMemberKind;
  /** Where it came from, for messages: the add-on file name, the Type #1 initrd path or the UKI path. */
  origin?: string;
  source: ByteSource;
}

/**
 * How members are joined.
 * - "type2": systemd-stub's combine_initrds(): every member padded to 4, the last included; a single member unpadded.
 * - "type1": systemd-boot's Type #1 `linux` entries: padded to 4 except the last.
 */
export type InitrdStyle = "type2" | "type1";

export interface PlacedMember {
  member: InitrdMember;
  /** Position in the member list given to layoutInitrd (empty members are left out but keep their number). */
  index: number;
  offset: number;
  size: number;
  /** NUL bytes written after the member. */
  padding: number;
}

export interface InitrdLayout {
  style: InitrdStyle;
  members: PlacedMember[];
  /** Total size including all padding; 0 means no initrd (pass KEXEC_FILE_NO_INITRAMFS). */
  size: number;
}

/** Placing members to 4-byte boundaries is the kernel's minimum: a raw cpio must start aligned. */
export const INITRD_ALIGNMENT = 4;

/**
 * Places the members one after another. Empty members are skipped, as both systemd-boot and the stub do.
 * @example layoutInitrd([{kind: "ucode", source}, {kind: "initrd", source: other}], {style: "type2"})
 */
export function layoutInitrd(members: readonly InitrdMember[], opts: { style: InitrdStyle }): InitrdLayout {
  const kept = members.map((member, index) => ({ member, index, size: sourceSize(member.source) })).filter((m) => m.size > 0);
  const placed: PlacedMember[] = [];
  let offset = 0;
  kept.forEach((m, i) => {
    const last = i === kept.length - 1;
    const pad =
      opts.style === "type2" ? (kept.length === 1 ? 0 : alignUp(m.size, INITRD_ALIGNMENT) - m.size) : last ? 0 : alignUp(m.size, INITRD_ALIGNMENT) - m.size;
    placed.push({ member: m.member, index: m.index, offset, size: m.size, padding: pad });
    offset = checkedAdd(checkedAdd(offset, m.size), pad);
  });
  return { style: opts.style, members: placed, size: offset };
}

/** One piece of the output: a leaf to write at `offset` (padding comes as a zeros leaf). */
export interface InitrdChunk {
  offset: number;
  leaf: ByteLeaf;
  /** The member it belongs to. */
  member: PlacedMember;
}

/** The output in order, piece by piece, so the caller can stream it into a memfd. */
export function* initrdChunks(layout: InitrdLayout): Generator<InitrdChunk> {
  for (const m of layout.members) {
    let at = m.offset;
    for (const leaf of sourceLeaves(m.member.source)) {
      yield { offset: at, leaf, member: m };
      at += sourceSize(leaf);
    }
    if (m.padding > 0) yield { offset: at, leaf: zerosSource(m.padding), member: m };
  }
}

/** The whole initrd in one buffer. For tests and small initrds; the boot path streams initrdChunks(). */
export function materializeInitrd(layout: InitrdLayout, readRange?: ReadRangeSync): Uint8Array {
  const out = new Uint8Array(layout.size);
  for (const c of initrdChunks(layout)) copyLeaf(c.leaf, out, c.offset, readRange);
  return out;
}

const KIND_LABELS: Record<InitrdMemberKind, string> = {
  "addon-ucode": "add-on .ucode",
  ucode: "UKI .ucode",
  "entry-credentials": "entry credentials archive",
  "entry-sysext": "entry system extension archive",
  "entry-confext": "entry configuration extension archive",
  initrd: "UKI .initrd",
  credentials: "credentials archive",
  "global-credentials": "global credentials archive",
  sysext: "system extension archive",
  "global-sysext": "global system extension archive",
  confext: "configuration extension archive",
  "global-confext": "global configuration extension archive",
  pcrsig: "/.extra/tpm2-pcr-signature.json archive",
  pcrpkey: "/.extra/tpm2-pcr-public-key.pem archive",
  osrel: "/.extra/os-release archive",
  profile: "/.extra/profile archive",
  "addon-initrd": "add-on .initrd",
  "type1-initrd": "initrd file",
  "kdump-initrd": "kdump initrd file",
  "event-log": "event log archive",
};

/** A name for messages: `add-on .initrd of "foo.addon.efi" ("/efi/…" bytes 0x400+0x1000)`. */
export function describeMember(member: InitrdMember): string {
  const origin = member.origin !== undefined ? ` of "${member.origin}"` : "";
  return `${KIND_LABELS[member.kind]}${origin} (${describeSource(member.source)})`;
}
