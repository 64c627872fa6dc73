/**
 * The chooser: how a person takes part in a boot. The flow hands it the entries and gets back a decision;
 * ui/ implements it with the Ink menu, and the composition root (src/main.ts) wires it to a terminal.
 * A chooser never loads, writes variables or starts a kernel.
 */
import type { MenuConfig, MenuDecision, MenuEntry, MenuError, MenuProblem } from "./menu.ts";
import type { Terminal } from "./terminal.ts";

export interface MenuRequest {
  readonly entries: readonly MenuEntry[];
  readonly config: MenuConfig;
  readonly problems?: readonly MenuProblem[];
  /** Show this error first (loading the chosen entry failed); the menu then has no countdown. */
  readonly error?: MenuError;
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
