/**
 * The chooser: how a person takes part in a boot. The flow hands it the entries and gets back a decision;
 * ui/ implements it with the Ink menu, and the composition root (src/main.ts) wires it to a terminal.
 * A chooser never loads, writes variables or starts a kernel.
 */
import type { MenuConfig, MenuDecision, MenuEntry, MenuError, MenuNotice, MenuProblem, TotpHeader } from "./menu.ts";
import type { Terminal } from "./terminal.ts";

export interface MenuRequest {
  /** The entries as listed, without the details below. */
  readonly entries: readonly MenuEntry[];
  /**
   * The same entries with their details (the initrd members, the refused marker): they cost a plan of each
   * entry and, under an enforcing mode, a digest of each UKI, so a chooser asks for them only when it draws
   * the menu, and a hidden menu that decides without a key never pays for them (docs/boot-time.md §4).
   */
  readonly details?: () => Promise<readonly MenuEntry[]>;
  readonly config: MenuConfig;
  readonly problems?: readonly MenuProblem[];
  /** Show this error first (loading the chosen entry failed); the menu then has no countdown. */
  readonly error?: MenuError;
  /** Show this first (a TOTP secret was just sealed); the menu then has no countdown. */
  readonly notice?: MenuNotice;
  /**
   * The header's TOTP line, asked for at each frame while the menu is drawn and redrawn every second;
   * undefined while the secret is still being unsealed, or when no TOTP secret is in use.
   */
  readonly totp?: () => TotpHeader | undefined;
}

export interface ProgressUpdate {
  readonly label: string;
  readonly done: number;
  readonly total: number;
}

export interface ProgressView {
  update(u: ProgressUpdate): void;
  /** Erases the view; called before the kernel starts or the menu is shown again. */
  close(): Promise<void>;
}

export interface Chooser {
  /** Shows the menu until the person (or the countdown) decides. */
  choose(request: MenuRequest): Promise<MenuDecision>;
  /** A view of the copy into memory while an entry loads. */
  progress(title: string): ProgressView;
}

/**
 * Makes the chooser for one or more terminals, the first the one whose size sets the menu's pages; each shows
 * the same menu and a key from any drives it (docs/menu.md §4). The composition root provides it. Async: the
 * menu's code loads only when a menu is shown.
 */
export type ChooserFactory = (terminals: readonly Terminal[]) => Promise<Chooser>;
