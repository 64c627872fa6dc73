/**
 * The kernel command line a boot gets, composed as systemd-boot 257 and systemd-stub 257 compose it
 * (docs/command-line.md §2 UKIs, docs/command-line.md §3 Type #1 `linux`/`efi`, docs/command-line.md §4 Type #1 `uki`, docs/entries.md §5 profiles), together
 * with the pieces those measure into PCR 12 (docs/measurements.md §2 rows 1, 2, 4, 5, 6) and notes for the person booting.
 */
import { mangleCmdline } from "./mangle.ts";
import { parseProfilePrefix, profileLoadOptions } from "./profile-prefix.ts";

/** A `.cmdline` section's contents C(s) (bytes or decoded text), or null when the section is absent. */
export type CmdlineText = Uint8Array | string | null;

export interface AddonCmdline {
  /** The add-on's file name; add-ons are applied in byte order of their names within a scope. */
  name: string;
  /** Global add-ons (\loader\addons) come before the UKI's own (<uki>.extra.d). */
  scope: "global" | "uki";
  /** C(.cmdline), or null when the add-on has no .cmdline section. */
  cmdline: CmdlineText;
}

/** What is measured into PCR 12, in order, and under which event (docs/measurements.md §2). */
export interface MeasuredPiece {
  pcr: 12;
  /**
   * - load-options: systemd-boot's LoadOptions (EV_IPL, row 1)
   * - profile: the selected profile N > 0 as decimal text (EV_EVENT_TAG 0x13aed6db, row 2)
   * - custom-cmdline: the accepted custom command line (row 4)
   * - addon-cmdline: the joined add-on command line, one event (row 5)
   * - smbios-cmdline: the SMBIOS Type 11 extra (row 6)
   */
  kind: "load-options" | "profile" | "custom-cmdline" | "addon-cmdline" | "smbios-cmdline";
  text: string;
}

export interface ComposedCmdline {
  cmdline: string;
  /** The profile the stub boots: the entry's, unless the command line starts with another "@N". */
  profile: number;
  /** The LoadOptions handed to the stub layer (null: none). */
  loadOptions: string | null;
  measuredPieces: MeasuredPiece[];
  /** Sentences for the person booting, e.g. why an edited command line was not used. */
  notes: string[];
}

export interface Type2CmdlineInput {
  /**
   * C(.cmdline) of the effective sections. Pass a function when the caller can resolve any profile: an
   * edited line starting with "@N" makes the stub boot profile N, with that profile's .cmdline.
   */
  ukiCmdline: CmdlineText | ((profile: number) => CmdlineText);
  /** The entry's profile; systemd-boot prefixes "@N" for N > 0. */
  profile: number;
  /**
   * The options systemd-boot passes as LoadOptions: null for Type #2 entries (their .cmdline is only
   * shown, "implied"); the joined `options` lines for a Type #1 `uki` entry or an `efi`/`linux` entry whose
   * target is a UKI.
   */
  options?: string | null;
  /** A command line the person confirmed in the editor; it replaces `options`. */
  editedLine: string | null;
  /**
   * Why the UKI's own `.cmdline` wins over any custom line, as the command-line rule decided it
   * (src/model/command-line-rule.ts, docs/trust.md §5), or null when a custom line replaces it. Decided
   * there and only there, from the image and the trust state, so that no path to a UKI decides otherwise.
   */
  imageLineWins: string | null;
  /** A confidential VM: the host's SMBIOS strings are not trusted. */
  confidentialVm?: boolean;
  /** Accepted add-ons (signature and .uname checks done); order does not matter, they are sorted here. */
  addons: readonly AddonCmdline[];
  /** The value of SMBIOS Type 11 "io.systemd.stub.kernel-cmdline-extra=", or null. */
  smbiosExtra?: string | null;
}

/**
 * systemd-boot's LoadOptions step, then systemd-stub's: a custom command line (edit or options, after the
 * "@N" prefix) replaces .cmdline unless the command-line rule says the UKI's own line wins (docs/trust.md §5:
 * where systemd-stub drops it under Secure Boot, and wherever else signatures rule the boot); add-on command
 * lines (global, then the UKI's, each sorted) are appended as one piece either way; then the SMBIOS extra.
 * @example composeType2Cmdline({ukiCmdline: "root=/dev/sda1 quiet", profile: 0, editedLine: null, imageLineWins: null, addons: []}).cmdline  // "root=/dev/sda1 quiet"
 */
export function composeType2Cmdline(input: Type2CmdlineInput): ComposedCmdline {
  const measured: MeasuredPiece[] = [];
  const notes: string[] = [];
  const base = input.editedLine ?? input.options ?? null;
  const loadOptions = profileLoadOptions(input.profile, base);
  // systemd-boot measures whatever it passes as LoadOptions, before the stub runs.
  if (loadOptions !== null) measured.push({ pcr: 12, kind: "load-options", text: loadOptions });

  // The stub ignores LoadOptions whose first code unit is a control character (firmware junk).
  let custom = "";
  let profile = 0;
  if (loadOptions !== null && loadOptions.length > 0 && loadOptions.charCodeAt(0) > 0x1f) {
    const p = parseProfilePrefix(loadOptions);
    profile = p.profile;
    custom = mangleCmdline(p.rest);
  }
  if (profile !== input.profile) {
    notes.push(`the command line selects profile @${profile} instead of @${input.profile}`);
  }
  if (profile > 0) measured.push({ pcr: 12, kind: "profile", text: String(profile) });

  const section = typeof input.ukiCmdline === "function" ? input.ukiCmdline(profile) : input.ukiCmdline;
  if (custom !== "") {
    if (input.imageLineWins !== null) {
      notes.push(`custom command line dropped: ${input.imageLineWins}`);
      custom = "";
    } else {
      measured.push({ pcr: 12, kind: "custom-cmdline", text: custom });
    }
  }
  // A custom line replaces .cmdline; the two are never merged.
  let cmdline = custom !== "" ? custom : section === null ? "" : mangleCmdline(section);

  const byName = (a: AddonCmdline, b: AddonCmdline) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const withCmdline = input.addons.filter((a) => a.cmdline !== null);
  const ordered = [...withCmdline.filter((a) => a.scope === "global").sort(byName), ...withCmdline.filter((a) => a.scope === "uki").sort(byName)];
  let acc = "";
  for (const a of ordered) {
    // As the stub does: an add-on whose .cmdline mangles to nothing still adds a separating space.
    acc = `${acc}${acc === "" ? "" : " "}${mangleCmdline(a.cmdline!)}`;
  }
  acc = mangleCmdline(acc);
  if (acc !== "") {
    measured.push({ pcr: 12, kind: "addon-cmdline", text: acc });
    cmdline = appendCmdline(cmdline, acc);
  }

  // SMBIOS strings come from the host, which a confidential VM must not trust.
  if (input.smbiosExtra != null && input.confidentialVm !== true) {
    const x = mangleCmdline(input.smbiosExtra);
    if (x !== "") {
      measured.push({ pcr: 12, kind: "smbios-cmdline", text: x });
      cmdline = appendCmdline(cmdline, x);
    }
  }
  return { cmdline, profile, loadOptions, measuredPieces: measured, notes };
}

export interface Type1CmdlineInput {
  /** `linux` entries get initrd= tokens and the SMBIOS extra; `efi` entries (plain EFI-stub kernels) do not. */
  kind: "linux" | "efi";
  /** The entry's `initrd` paths in listed order, as written in the entry. */
  initrds: readonly string[];
  /** The `options` lines joined with one space, or null when there are none. */
  options: string | null;
  editedLine: string | null;
  /** The value of SMBIOS Type 11 "io.systemd.boot.kernel-cmdline-extra=", or null. */
  smbiosExtra?: string | null;
  confidentialVm?: boolean;
}

/**
 * systemd-boot's command line for a Type #1 `linux` or plain `efi` entry: "initrd=<path>" for every
 * initrd line (in `\` form, empty files included), then the options or the confirmed edit, then for
 * `linux` the SMBIOS extra unmangled. The initrd= tokens keep /proc/cmdline and PCR 12 as under
 * systemd-boot; a kexec'd kernel ignores them. Nothing is mangled.
 * @example composeType1Cmdline({kind: "linux", initrds: ["/fedora/initrd"], options: "quiet", editedLine: null}).cmdline  // "initrd=\\fedora\\initrd quiet"
 */
export function composeType1Cmdline(input: Type1CmdlineInput): ComposedCmdline {
  const parts: string[] = [];
  if (input.kind === "linux") for (const p of input.initrds) parts.push(`initrd=${toEfiPath(p)}`);
  const opts = input.editedLine ?? input.options;
  if (opts !== null && opts !== "") parts.push(opts);
  if (input.kind === "linux" && input.smbiosExtra != null && input.smbiosExtra !== "" && input.confidentialVm !== true) {
    parts.push(input.smbiosExtra);
  }
  const cmdline = parts.join(" ");
  return {
    cmdline,
    profile: 0,
    loadOptions: cmdline === "" ? null : cmdline,
    measuredPieces: cmdline === "" ? [] : [{ pcr: 12, kind: "load-options", text: cmdline }],
    notes: [],
  };
}

/**
 * Adds `extra` (ukiboot's --append) at the end with one space; either side may be empty.
 * @example appendCmdline("quiet", "console=ttyS0")  // "quiet console=ttyS0"
 */
export function appendCmdline(cmdline: string, extra: string): string {
  if (extra === "") return cmdline;
  if (cmdline === "") return extra;
  return `${cmdline} ${extra}`;
}

/** "/" becomes "\" and doubled separators collapse, as systemd-boot stores entry paths. */
function toEfiPath(path: string): string {
  return path.replace(/[/\\]+/g, "\\");
}
