/**
 * The menu's input model and its result: what the caller hands to runMenu() and what it gets back.
 * The flow (src/flow/menu-view.ts) maps discovered boot entries to MenuEntry; the menu never loads, writes variables or kexecs.
 * Field meanings follow docs/entries.md §4, docs/menu.md and docs/order-and-default.md.
 */

/** The entry kinds of docs/entries.md §4 that can appear in the menu. */
export type MenuEntryKind = "type1-linux" | "type1-efi" | "type1-uki" | "type2" | "uki-url";

/** One PE section of the entry's UKI, for the details view. */
export interface MenuSection {
  readonly name: string;
  /** Bytes the section contributes, when known. */
  readonly size?: number;
}

/** An add-on that applies to the entry (docs/initrd.md §2), for the details view. */
export interface MenuAddon {
  /** Path as shown to a person, e.g. `\loader\addons\debug.addon.efi`. */
  readonly path: string;
  readonly cmdline?: string;
}

/** One piece of the final initrd (docs/initrd.md §3), in order. */
export interface MenuInitrdMember {
  /** What it is: a file path, or a label such as ".initrd section" or "credentials". */
  readonly source: string;
  readonly size?: number;
}

export interface MenuEntryDetails {
  /** The entry's own file as a person would look for it (`\EFI\Linux\debian.efi`, `\loader\entries\x.conf`). */
  readonly file: string;
  /** A network entry's URL (docs/network.md), and the UKI's size once it was fetched. */
  readonly url?: string;
  readonly size?: number;
  /** The command line the kernel would get (add-on command lines appended), when it differs from `cmdline`. */
  readonly composedCmdline?: string;
  readonly sections?: readonly MenuSection[];
  readonly addons?: readonly MenuAddon[];
  readonly initrdMembers?: readonly MenuInitrdMember[];
  /** Things that were wrong with this entry but did not stop it from being listed. */
  readonly problems?: readonly string[];
}

export interface MenuEntry {
  /** The entry id (docs/entries.md §4), unique in the list; decisions name entries by it. */
  readonly id: string;
  /** The uniquified title (`showTitle`, docs/entries.md §7). */
  readonly title: string;
  readonly version?: string;
  readonly kind: MenuEntryKind;
  /** The EFI-variable default (`LoaderEntryDefault`, or the last booted entry with `@saved`), marked ► or =>. */
  readonly isDefault: boolean;
  /** Picked by `LoaderEntryOneShot` for this boot. */
  readonly isOneShot?: boolean;
  /** −1 when the entry is not boot-counted; 0 tries left means the entry is bad (docs/efi-variables.md §5). */
  readonly triesLeft: number;
  readonly triesDone: number;
  /** The UKI profile number, for multi-profile UKIs (each profile is its own entry). */
  readonly profile?: number;
  /**
   * Whether `e` may edit the command line. When not, the reason is shown word for word, e.g.
   * "Entry not editable in SecureBoot mode." (docs/menu.md §2). The loader.conf `editor` switch is MenuConfig.editor.
   */
  readonly editable: true | { readonly reason: string };
  /** The composed command line (docs/command-line.md) shown in the editor and the details view. */
  readonly cmdline: string;
  /** More state tags for the row, e.g. "unsigned" when Secure Boot policy refuses the entry (it stays listed). */
  readonly tags?: readonly string[];
  /** Key that jumps to the entry (systemd-boot gives Linux entries "l"). */
  readonly hotkey?: string;
  readonly details: MenuEntryDetails;
}

/** A file discovery skipped or complained about, shown in the problems panel. */
export interface MenuProblem {
  readonly file: string;
  readonly line?: number;
  readonly message: string;
}

/** The timeout in effect after docs/order-and-default.md §4 resolution. 0 is the same as "menu-hidden". */
export type MenuTimeout = number | "menu-force" | "menu-hidden" | "menu-disabled";

/** What `LoaderConfigTimeout` may be written as (docs/menu.md §1). */
export type StoredTimeout = number | "menu-force" | "menu-hidden";

export interface MenuConfig {
  /** The resolved timeout (docs/order-and-default.md §4): seconds of countdown, or one of systemd's words. */
  readonly timeout: MenuTimeout;
  /** `LoaderConfigTimeoutOneShot` was set: show the menu even when the timeout is hidden or disabled. */
  readonly forceMenu?: boolean;
  /**
   * The current `LoaderConfigTimeout` (undefined when the variable does not exist). The menu writes the
   * variable on leaving only if +/- left it different from this, as systemd-boot does.
   */
  readonly timeoutEfiVar?: StoredTimeout;
  /** The entry docs/order-and-default.md §5 picked: highlighted first and booted when the countdown ends. Entry 0 when unset or unknown. */
  readonly defaultEntryId?: string;
  /** loader.conf `editor` (default yes). */
  readonly editor: boolean;
  /** `OsIndicationsSupported` bit 0: offer "Reboot Into Firmware Interface". */
  readonly firmwareSetupSupported: boolean;
  /** With a hidden menu, how long a key may arrive to open the menu (systemd-boot waits 100 ms). */
  readonly hiddenKeyWindowMs: number;
  /** Shown by `v` and in the header, e.g. "0.1.0". */
  readonly version?: string;
  /** Which extra entries to list after the boot entries (all on by default; firmware setup also needs support). */
  readonly actions?: {
    readonly shell?: boolean;
    readonly reboot?: boolean;
    readonly poweroff?: boolean;
    readonly firmwareSetup?: boolean;
    /** "Seal a TOTP Secret" (docs/trust.md §8): only where a TPM can seal one; off by default. */
    readonly sealTotp?: boolean;
  };
}

/**
 * The TOTP line of the menu's header (docs/trust.md §8), as the boot flow sees it at the moment it is asked:
 * the current code, or one sentence saying why there is none.
 */
export type TotpHeader =
  | {
      readonly kind: "code";
      /** Six digits. */
      readonly code: string;
      readonly secondsLeft: number;
      /** Set when the clock reads a time before ukiboot was built: the code is then surely wrong. */
      readonly clockWarning?: string;
    }
  | { readonly kind: "unavailable"; readonly sentence: string };

/** A screen of information the flow shows once, first, before the list (the sealed TOTP secret's URI). */
export interface MenuNotice {
  readonly title: string;
  readonly message: string;
  /** Drawn as it is, line by line, on a UTF-8 terminal only: a QR code of Unicode half blocks. */
  readonly picture?: readonly string[];
  /** Lines shown as they are, never wrapped: a URI a person types or copies. */
  readonly verbatim?: readonly string[];
}

/** The variable writes the menu asks for, applied once when the menu is left (docs/menu.md §1). Absent = leave alone. */
export interface MenuVariableChanges {
  /** `LoaderEntryDefault`: an entry id, or null to delete the variable. */
  readonly setDefault?: string | null;
  /** `LoaderConfigTimeout`: the value to write, or null to delete the variable. */
  readonly setTimeout?: StoredTimeout | null;
}

/** What the person chose. `cmdline` is set only after a confirmed edit; the caller then passes and measures it. */
export type MenuChoice =
  | {
      readonly kind: "boot";
      readonly entryId: string;
      readonly cmdline?: string;
      /** Chosen with no key pressed (countdown ran out, hidden or disabled menu): nobody may be watching. */
      readonly unattended?: boolean;
    }
  | { readonly kind: "shell" }
  | { readonly kind: "reboot" }
  | { readonly kind: "poweroff" }
  | { readonly kind: "firmware-setup" }
  /** Make a new TOTP secret and seal it to this firmware and boot image (confirmed by the person). */
  | { readonly kind: "seal-totp" };

export type MenuDecision = MenuChoice & { readonly variables: MenuVariableChanges };

/** A failed load shown on the error screen; the person goes back to the list from there. */
export interface MenuError {
  /** The heading; "The entry could not be started" when absent. */
  readonly title?: string;
  readonly message: string;
  readonly hint?: string;
}
