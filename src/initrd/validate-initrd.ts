/**
 * Checks a merged initrd before kexec against what the target kernel can unpack (docs/kexec.md,
 * docs/initrd.md, docs/order-and-default.md §6). The kernel stops at the first member it cannot read, logs "Initramfs unpacking failed"
 * and boots on without everything after it, so each such member is an error naming the member.
 */
import { BootError, hex } from "../errors.ts";
import { createSourceReader, type ReadRange } from "../bytes/byte-source.ts";
import { XZ_FILTER_LZMA2, XZ_FILTERS, type KernelCompressor } from "./compression.ts";
import { describeMember, INITRD_ALIGNMENT, type InitrdLayout, type PlacedMember } from "./initrd-layout.ts";
import { walkInitrdMember, type MemberSegment, type NewcEntry } from "./initrd-walk.ts";
import { canDecompress, hasInitramfsSupport, isBuiltIn, type KernelConfig } from "./kernel-config.ts";

export interface InitrdProblem {
  severity: "error" | "warning";
  /** The member's position in the layout's member list, or null for the initrd as a whole. */
  memberIndex: number | null;
  /** describeMember() of that member, or "initrd". */
  member: string;
  /** Offset in the merged initrd where the problem is. */
  offset: number | null;
  message: string;
  /** What a person can do about it. */
  hint?: string;
}

export interface InitrdValidation {
  errors: InitrdProblem[];
  warnings: InitrdProblem[];
  /** Per member, what the walk found (for `ukiboot plan` output). */
  walks: { memberIndex: number; segments: MemberSegment[] }[];
}

/**
 * Reads the target kernel's configuration when a member first needs it (reading it may mean decompressing
 * the kernel), or says in a clause why it cannot be read.
 */
export type KernelConfigReader = () => Promise<KernelConfig | { unknown: string }>;

export interface ValidateOptions {
  /** Reads ranges of files referenced by the layout (ReadOnlyFs.readRange fits). */
  readRange?: ReadRange;
  /**
   * The configuration of the kernel that will unpack the initrd (the target kernel), or a reader that fetches
   * it once a compressed member needs it. null, or a reader's `unknown`, when it cannot be known: compressed
   * members then get one warning instead of a check.
   */
  kernelConfig: KernelConfig | null | KernelConfigReader;
  /**
   * The machine (uname -m) of the kernel that will read the initrd: the early microcode loader, and so the
   * rules for where microcode must be, exist on x86 only (docs/initrd.md §5). Default: x86_64.
   */
  machine?: string;
}

/** kexec_file_load reads an initrd of at most 4 GiB (KEXEC_FILE_SIZE_MAX). */
export const KEXEC_INITRD_SIZE_MAX = 4 * 1024 * 1024 * 1024;

const MICROCODE_DIR = "kernel/x86/microcode/";

/**
 * Walks every member of `layout` and reports what the kernel would fail on: raw members that are not
 * well-formed newc archives ending in TRAILER!!!, compressed members in a format the kernel lacks, xz
 * streams with a check other than none/CRC32 or an unsupported filter, legacy LZ4 anywhere but last,
 * unaligned raw archives, and microcode outside the leading uncompressed archives.
 */
export async function validateInitrd(layout: InitrdLayout, opts: ValidateOptions): Promise<InitrdValidation> {
  const errors: InitrdProblem[] = [];
  const warnings: InitrdProblem[] = [];
  const walks: InitrdValidation["walks"] = [];
  const initrdIgnored = (): InitrdProblem => ({
    severity: "error",
    memberIndex: null,
    member: "initrd",
    offset: null,
    message: "Cannot load the initrd: the kernel is built without CONFIG_BLK_DEV_INITRD and ignores every initrd",
  });
  let config = typeof opts.kernelConfig === "function" ? null : opts.kernelConfig;
  let unknownBecause: string | undefined;
  let pending = typeof opts.kernelConfig === "function" ? opts.kernelConfig : undefined;
  /** The configuration, read once, when the first member needs it. */
  const needConfig = async (): Promise<KernelConfig | null> => {
    if (!pending) return config;
    const read = pending;
    pending = undefined;
    const got = await read();
    if ("unknown" in got) unknownBecause = got.unknown;
    else {
      config = got;
      if (layout.size > 0 && !hasInitramfsSupport(config)) {
        // The initrd as a whole is lost: that goes first, before anything said about a member.
        errors.unshift(initrdIgnored());
      }
    }
    return config;
  };
  const x86 = (opts.machine ?? "x86_64") === "x86_64";
  const unchecked = new Set<KernelCompressor>();
  // The early microcode loader scans uncompressed archives from offset 0 and stops at the first other data.
  let inLeadingRaw = true;

  const problem = (severity: InitrdProblem["severity"], m: PlacedMember | null, offset: number | null, detail: string, hint?: string) => {
    const p: InitrdProblem = {
      severity,
      memberIndex: m?.index ?? null,
      member: m ? describeMember(m.member) : "initrd",
      offset,
      // A warning is a check that could not be made, not a refusal: it must not read like one.
      message: m
        ? `${severity === "error" ? "Cannot unpack" : "Not sure the kernel can unpack"} ${describeMember(m.member)}: ${detail}`
        : severity === "error"
          ? `Cannot load the initrd: ${detail}`
          : `The initrd was checked only in part: ${detail}`,
    };
    if (hint !== undefined) p.hint = hint;
    (severity === "error" ? errors : warnings).push(p);
  };

  if (layout.size > KEXEC_INITRD_SIZE_MAX) {
    problem("error", null, null, `it is ${layout.size} bytes, more than kexec_file_load accepts (4 GiB)`, "Remove system extensions or add-ons from this boot");
  }
  if (config && layout.size > 0 && !hasInitramfsSupport(config)) errors.push(initrdIgnored());

  const last = layout.members.length - 1;
  for (const [i, m] of layout.members.entries()) {
    if (m.offset % INITRD_ALIGNMENT !== 0) {
      problem("error", m, m.offset, `it starts at unaligned offset ${hex(m.offset)}; members must start at 4-byte boundaries`);
    }
    const walk = await walkInitrdMember(createSourceReader(m.member.source, opts.readRange), m.size, { baseOffset: m.offset });
    walks.push({ memberIndex: m.index, segments: walk.segments });
    for (const p of walk.problems) {
      problem("error", m, m.offset + p.offset, `${p.message}; the kernel stops here and drops every later member`);
    }
    for (const seg of walk.segments) {
      if (seg.type === "newc") {
        if (x86) for (const e of seg.entries) checkMicrocode(e, m, inLeadingRaw, problem);
        if (!seg.trailer) inLeadingRaw = false;
        continue;
      }
      if (seg.type !== "stream") continue;
      inLeadingRaw = false;
      const at = m.offset + seg.offset;
      const d = seg.detection;
      if (d.format === "lz4-frame") {
        problem("error", m, at, "it is LZ4 in frame format, which the kernel does not read (it reads only the legacy format)", "Recompress it with lz4 -l");
        continue;
      }
      if (d.compressor === null) {
        if (d.format === "unknown")
          problem(
            "error",
            m,
            at,
            'it starts with neither a cpio archive nor a compression format the kernel knows ("invalid magic at start of compressed archive")',
          );
        continue;
      }
      const known = await needConfig();
      if (known === null) unchecked.add(d.compressor);
      else if (!canDecompress(known, d.compressor)) {
        problem(
          "error",
          m,
          at,
          `it is ${d.format}-compressed and the kernel is built without CONFIG_RD_${d.compressor.toUpperCase()} ("compression method ${d.compressor} not configured")`,
          "Recompress it with a format the kernel supports",
        );
      }
      if (d.xz) {
        if (!d.xz.headerValid) problem("error", m, at, "its xz stream header is damaged");
        else if (d.xz.check !== "none" && d.xz.check !== "crc32") {
          problem(
            "error",
            m,
            at,
            `its xz stream uses a ${d.xz.check === "reserved" ? `reserved (${d.xz.checkId})` : d.xz.check.toUpperCase()} integrity check; the kernel's xz decoder supports only CRC32 or none ("Input was encoded with settings that are not supported by this XZ decoder")`,
            "Recompress it with xz --check=crc32",
          );
        } else if (d.xz.filters) checkXzFilters(d.xz.filters, m, at, known, problem);
      }
      if (d.format === "lz4-legacy" && i !== last) {
        problem(
          "error",
          m,
          at,
          'legacy LZ4 reads to the end of the initrd, so the kernel fails ("Decoding failed") on the members after it',
          "Put this member last, or recompress it with another format",
        );
      }
    }
  }
  if (unchecked.size > 0) {
    const list = [...unchecked].sort().join(", ");
    if (unknownBecause !== undefined) {
      problem(
        "warning",
        null,
        null,
        `${unknownBecause}, so whether that kernel can decompress ${list} was not checked`,
        "Build the kernel with CONFIG_IKCONFIG=y to have its initrd checked against it",
      );
    } else {
      problem(
        "warning",
        null,
        null,
        `the kernel configuration is unknown, so it is not known whether the kernel can decompress ${list}`,
        "Provide the target kernel's configuration to check the compressed members",
      );
    }
  }
  return { errors, warnings, walks };
}

type Report = (severity: InitrdProblem["severity"], m: PlacedMember | null, offset: number | null, detail: string, hint?: string) => void;

function checkMicrocode(e: NewcEntry, m: PlacedMember, inLeadingRaw: boolean, problem: Report): void {
  if ((e.mode & 0o170000) !== 0o100000) return;
  const at = m.offset + e.headerOffset;
  if (e.name.startsWith(`./${MICROCODE_DIR}`)) {
    problem("warning", m, at, `"${e.name}" has a leading "./"; the early microcode loader looks for "${MICROCODE_DIR}…" exactly and will not find it`);
    return;
  }
  if (!e.name.startsWith(MICROCODE_DIR) || !e.name.endsWith(".bin")) return;
  if (!inLeadingRaw) {
    problem(
      "error",
      m,
      at,
      `microcode "${e.name}" is not in the uncompressed archives at the start of the initrd, where the early loader looks for it`,
      "Move the microcode archive first (an add-on or UKI .ucode section) and keep it uncompressed",
    );
  }
}

function checkXzFilters(filters: number[], m: PlacedMember, at: number, config: KernelConfig | null, problem: Report): void {
  for (const id of filters) {
    if (id === XZ_FILTER_LZMA2) continue;
    const f = XZ_FILTERS[id];
    if (!f) {
      problem(
        "error",
        m,
        at,
        `its xz stream uses filter ${hex(id)}, which the kernel's xz decoder does not know`,
        "Recompress it with xz --check=crc32 and no extra filters",
      );
    } else if (f.config === null) {
      problem("error", m, at, `its xz stream uses the ${f.name} filter, which the kernel's xz decoder does not implement`, "Recompress it without that filter");
    } else if (config && !isBuiltIn(config, f.config)) {
      problem("error", m, at, `its xz stream uses the ${f.name} filter and the kernel is built without ${f.config}`, "Recompress it without that filter");
    }
  }
}

/** The initrd would lose members at boot; `hint` says how to proceed. */
export class InitrdRejectedError extends BootError {
  override name = "InitrdRejectedError";
  constructor(
    message: string,
    hint: string,
    readonly problems: InitrdProblem[],
  ) {
    super(message, hint);
  }
}

/**
 * Refuses an initrd with errors unless `force` is set; returns the problems to show as warnings otherwise.
 * @throws InitrdRejectedError naming the first bad member
 */
export function refuseInvalidInitrd(v: InitrdValidation, opts: { force: boolean }): InitrdProblem[] {
  if (v.errors.length === 0) return v.warnings;
  if (opts.force) return [...v.errors.map((e) => ({ ...e, severity: "warning" as const })), ...v.warnings];
  const first = v.errors[0]!;
  const more = v.errors.length > 1 ? ` (and ${v.errors.length - 1} more problem${v.errors.length > 2 ? "s" : ""})` : "";
  throw new InitrdRejectedError(
    `${first.message}${more}`,
    `${first.hint ? `${first.hint}, or boot` : "Fix or remove that member, or boot"} with the force option to load it anyway (the kernel skips what it cannot unpack)`,
    v.errors,
  );
}
