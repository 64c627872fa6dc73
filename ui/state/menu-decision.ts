/** Leaving the menu: the choice, and the EFI variables the person changed on the way (docs/menu.md §1). */
import type { MenuChoice, MenuVariableChanges, StoredTimeout } from "../../src/ports/menu.ts";
import type { MenuItem } from "../model/menu-items.ts";
import type { MenuState } from "./menu-types.ts";

export function itemChoice(item: MenuItem): MenuChoice {
  return item.type === "entry" ? { kind: "boot", entryId: item.id } : { kind: item.action };
}

/** Marks a boot chosen without a key press, so the caller falls back on its own when loading fails. */
export function unattended(choice: MenuChoice): MenuChoice {
  return choice.kind === "boot" ? { ...choice, unattended: true } : choice;
}

export function decide(s: MenuState, choice: MenuChoice): MenuState {
  return { ...s, phase: "done", countdownDeadline: undefined, hiddenDeadline: undefined, decision: { ...choice, variables: variableChanges(s) } };
}

/** Boots (or runs) the highlighted item; with an empty list there is nothing to choose. */
export function chooseSelected(s: MenuState, opts: { unattended?: boolean } = {}): MenuState {
  const item = s.items[s.selected];
  if (!item) return { ...s, countdownDeadline: undefined, hiddenDeadline: undefined };
  const choice = itemChoice(item);
  return decide(s, opts.unattended ? unattended(choice) : choice);
}

/** Variables are written once, when the menu is left, and only if they changed. */
function variableChanges(s: MenuState): MenuVariableChanges {
  const changes: { setDefault?: string | null; setTimeout?: StoredTimeout | null } = {};
  if (s.defaultId !== s.initialDefaultId) changes.setDefault = s.defaultId;
  if (s.timeoutEfiVar !== s.initialTimeoutEfiVar) {
    const t = s.timeoutEfiVar;
    // Stepping never produces menu-disabled, and the variable cannot hold it.
    if (t === "menu-disabled") throw new Error("Internal error: the timeout variable cannot be menu-disabled");
    changes.setTimeout = t === "unset" ? null : t;
  }
  return changes;
}
