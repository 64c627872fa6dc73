/** The list of entries: moving the highlight, hotkeys, and the keys that act on the highlighted entry. */
import { menuCommandFor, typedCharacter } from "../input/key-bindings.ts";
import type { Key } from "../input/key.ts";
import { openEditor } from "./cmdline-editor.ts";
import { bodyRows } from "./layout.ts";
import { chooseSelected, decide } from "./menu-decision.ts";
import type { MenuState } from "./menu-types.ts";
import { openView } from "./scroll-view.ts";
import { stepTimeout, timeoutStatusText } from "./timeout-steps.ts";

export function onListKey(state: MenuState, key: Key): MenuState {
  if (state.confirmFirmware) {
    // Enter confirms; any other key cancels and does nothing else, as in systemd-boot.
    const s = { ...state, confirmFirmware: false, status: undefined };
    return key.name === "enter" ? decide(s, { kind: "firmware-setup" }) : s;
  }
  if (state.confirmSeal) {
    const s = { ...state, confirmSeal: false, status: undefined };
    return key.name === "enter" ? decide(s, { kind: "seal-totp" }) : s;
  }
  const s: MenuState = { ...state, status: undefined };
  const last = s.items.length - 1;
  const page = bodyRows(s.terminal);
  const command = menuCommandFor(key);
  switch (command) {
    case "previous":
      return select(s, s.selected - 1);
    case "next":
      return select(s, s.selected + 1);
    case "first":
      return select(s, 0);
    case "last":
      return select(s, last);
    case "page-up":
      return select(s, s.selected - page);
    case "page-down":
      return select(s, s.selected + page);
    case "boot": {
      const item = s.items[s.selected];
      // A new secret replaces the one sealed before, and the codes a person's phone shows with it.
      if (item?.type === "action" && item.action === "seal-totp")
        return { ...s, confirmSeal: true, status: "Press Enter to seal a new TOTP secret; codes of the one sealed before stop working." };
      return chooseSelected(s);
    }
    case "help":
    case "details":
    case "problems":
      return openView(s, command);
    case "quit-to-shell":
      // Q must not open a shell the caller left out of the menu (for example under Secure Boot lockdown).
      return s.items.some((i) => i.type === "action" && i.action === "shell")
        ? decide(s, { kind: "shell" })
        : { ...s, status: "The rescue shell is not available." };
    case "poweroff":
      return decide(s, { kind: "poweroff" });
    case "reboot":
      return decide(s, { kind: "reboot" });
    case "toggle-default":
      return toggleDefault(s);
    case "timeout-up":
    case "timeout-down": {
      const timeout = stepTimeout(s.timeout, command === "timeout-up" ? "up" : "down");
      return { ...s, timeout, timeoutEfiVar: timeout, status: timeoutStatusText(timeout) };
    }
    case "edit":
      return openEditor(s);
    case "version":
      return { ...s, status: `ukiboot${s.version ? ` ${s.version}` : ""}` };
    case "redraw":
      return { ...s, redraws: s.redraws + 1 };
    case "firmware-setup":
      return s.items.some((i) => i.type === "action" && i.action === "firmware-setup")
        ? { ...s, confirmFirmware: true, status: "Press Enter to reboot into firmware interface." }
        : { ...s, status: "Reboot into firmware interface not supported." };
    case "back":
      return s;
    case undefined: {
      const c = typedCharacter(key);
      if (c === undefined) return s;
      if (c >= "1" && c <= "9") return select(s, Math.min(Number(c), s.items.length) - 1);
      const found = findHotkey(s, c, s.selected + 1);
      return found === undefined ? s : select(s, found);
    }
    default: {
      const unhandled: never = command;
      throw new Error(`Internal error: unhandled menu command ${String(unhandled)}`);
    }
  }
}

/**
 * In the hidden menu's key window a digit or hotkey boots its entry directly (systemd-boot's
 * entry_lookup_key from the default entry on); anything else opens the menu. Unlike systemd-boot, a digit
 * past the boot entries opens the menu instead of picking reboot or power off.
 */
export function hiddenMenuTarget(state: MenuState, key: Key): number | undefined {
  const c = typedCharacter(key);
  if (c === undefined) return undefined;
  if (c >= "1" && c <= "9") {
    const n = Number(c);
    return n <= state.entryCount ? n - 1 : undefined;
  }
  return findHotkey(state, c, state.selected);
}

/** `d`: the highlighted entry becomes LoaderEntryDefault, or the default is cleared if it already was. */
function toggleDefault(s: MenuState): MenuState {
  const item = s.items[s.selected];
  if (item?.type !== "entry") return { ...s, status: "This entry cannot be the default." };
  if (s.defaultId === item.id) return { ...s, defaultId: null, status: "Default boot entry cleared." };
  return { ...s, defaultId: item.id, status: "Default boot entry selected." };
}

/** Moves the highlight (clamped, no wrap-around, as in systemd-boot) and scrolls the list just enough. */
function select(s: MenuState, index: number): MenuState {
  const selected = Math.max(0, Math.min(s.items.length - 1, index));
  return clampList({ ...s, selected });
}

/** Keeps the highlight inside the rows the terminal shows. */
export function clampList(s: MenuState): MenuState {
  const page = bodyRows(s.terminal);
  let top = s.scrollTop;
  if (s.selected < top) top = s.selected;
  if (s.selected >= top + page) top = s.selected - page + 1;
  top = Math.max(0, Math.min(top, Math.max(0, s.items.length - page)));
  return top === s.scrollTop ? s : { ...s, scrollTop: top };
}

/** systemd-boot centres the highlight at start when the list is longer than the screen. */
export function centeredScrollTop(s: MenuState, index: number): number {
  const page = bodyRows(s.terminal);
  if (s.items.length <= page || index <= page / 2) return 0;
  return Math.min(s.items.length - page, index - Math.floor(page / 2));
}

/** The next item after `from` (cyclically) whose hotkey is `c`. */
function findHotkey(s: MenuState, c: string, from: number): number | undefined {
  const n = s.items.length;
  for (let k = 0; k < n; k++) {
    const i = (from + k) % n;
    const item = s.items[i]!;
    if (item.type === "entry" && item.entry.hotkey === c) return i;
  }
  return undefined;
}
