/**
 * The rows of the menu: the boot entries in their sorted order, then the extra entries a person may need
 * when nothing boots (rescue shell, reboot, power off, and firmware setup where the firmware supports it),
 * and sealing a TOTP secret where the flow offers it.
 */
import type { MenuConfig, MenuEntry } from "../../src/ports/menu.ts";

export type ExtraAction = "shell" | "seal-totp" | "reboot" | "poweroff" | "firmware-setup";

export type MenuItem =
  | { readonly type: "entry"; readonly id: string; readonly title: string; readonly entry: MenuEntry }
  | { readonly type: "action"; readonly id: string; readonly title: string; readonly action: ExtraAction };

/** Titles and ids as systemd-boot names its auto entries; the shell is ukiboot's own. */
const ACTION_ITEMS: Record<ExtraAction, { id: string; title: string }> = {
  shell: { id: "ukiboot-shell", title: "Rescue Shell" },
  "seal-totp": { id: "ukiboot-seal-totp", title: "Seal a TOTP Secret" },
  reboot: { id: "auto-reboot", title: "Reboot The System" },
  poweroff: { id: "auto-poweroff", title: "Power Off The System" },
  "firmware-setup": { id: "auto-reboot-to-firmware-setup", title: "Reboot Into Firmware Interface" },
};

export function buildMenuItems(entries: readonly MenuEntry[], config: MenuConfig): MenuItem[] {
  const items: MenuItem[] = entries.map((entry) => ({ type: "entry", id: entry.id, title: entry.title, entry }));
  const actions = config.actions ?? {};
  const wanted: [ExtraAction, boolean][] = [
    ["shell", actions.shell ?? true],
    ["seal-totp", actions.sealTotp ?? false],
    ["reboot", actions.reboot ?? true],
    ["poweroff", actions.poweroff ?? true],
    ["firmware-setup", (actions.firmwareSetup ?? true) && config.firmwareSetupSupported],
  ];
  for (const [action, on] of wanted) {
    if (on) items.push({ type: "action", action, ...ACTION_ITEMS[action] });
  }
  return items;
}
