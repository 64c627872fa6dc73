// Shared inputs for the menu tests: realistic entries as the boot flow's mapping (src/flow/menu-view.ts) would produce them.
import { createKeySplitter } from "../../ui/input/key-splitter.ts";
import type { Key } from "../../ui/input/key.ts";
import type { MenuConfig, MenuEntry } from "../../src/ports/menu.ts";
import { ASCII_GLYPHS, type Theme, UNICODE_GLYPHS } from "../../ui/theme.ts";

export const ASCII_THEME: Theme = { glyphs: ASCII_GLYPHS, unicode: false, color: false, attributes: false };
export const UNICODE_THEME: Theme = { glyphs: UNICODE_GLYPHS, unicode: true, color: false, attributes: false };

export function entry(id: string, over: Partial<MenuEntry> = {}): MenuEntry {
  return {
    id,
    title: id,
    kind: "type2",
    isDefault: false,
    triesLeft: -1,
    triesDone: -1,
    editable: true,
    cmdline: "root=UUID=0b1c quiet",
    hotkey: "l",
    details: { file: `\\EFI\\Linux\\${id}` },
    ...over,
  };
}

/** Three Debian UKIs and a Type #1 Fedora entry, newest first, as discovery sorts them. */
export const ENTRIES: MenuEntry[] = [
  entry("debian-6.12.48.efi", {
    title: "Debian GNU/Linux 13 (trixie)",
    version: "6.12.48+deb13-amd64",
    isDefault: true,
    cmdline: "root=UUID=0b1c4a6e-2f9e-4d7e-9d3b-7b1f2c3d4e5f ro quiet",
    details: {
      file: "\\EFI\\Linux\\debian-6.12.48.efi",
      sections: [
        { name: ".osrel", size: 370 },
        { name: ".cmdline", size: 52 },
        { name: ".linux", size: 11_534_336 },
        { name: ".initrd", size: 42_991_616 },
      ],
      addons: [{ path: "\\EFI\\Linux\\debian-6.12.48.efi.extra.d\\debug.addon.efi", cmdline: "debug" }],
      initrdMembers: [
        { source: ".initrd section", size: 42_991_616 },
        { source: "credentials (1 file)", size: 512 },
      ],
    },
  }),
  entry("debian-6.12.38.efi", {
    title: "Debian GNU/Linux 13 (trixie) (6.12.38+deb13-amd64)",
    version: "6.12.38+deb13-amd64",
    triesLeft: 2,
    triesDone: 1,
  }),
  entry("debian-6.1.efi", {
    title: "Debian GNU/Linux 12 (bookworm)",
    version: "6.1.0-40-amd64",
    triesLeft: 0,
    triesDone: 3,
    editable: { reason: "Entry not editable in SecureBoot mode." },
  }),
  entry("fedora-41.conf", {
    title: "Fedora Linux 41",
    version: "6.11.4-301.fc41.x86_64",
    kind: "type1-linux",
    cmdline: "root=/dev/vda3 rhgb",
    details: { file: "\\loader\\entries\\fedora-41.conf", problems: ["initrd \\intel-ucode.img is missing, ignored"] },
  }),
];

export const CONFIG: MenuConfig = {
  timeout: 5,
  editor: true,
  firmwareSetupSupported: true,
  hiddenKeyWindowMs: 100,
  defaultEntryId: "debian-6.12.48.efi",
  version: "0.1.0",
};

/** Keys from raw terminal bytes, through the real splitter (flushed, so a lone ESC is Esc). */
export function keys(bytes: string): Key[] {
  const s = createKeySplitter();
  return [...s.push(bytes), ...s.flush()];
}

export const KEY = {
  up: "\x1b[A",
  down: "\x1b[B",
  right: "\x1b[C",
  left: "\x1b[D",
  upSs3: "\x1bOA",
  downSs3: "\x1bOB",
  home: "\x1b[H",
  end: "\x1b[F",
  pageUp: "\x1b[5~",
  pageDown: "\x1b[6~",
  delete: "\x1b[3~",
  f1: "\x1bOP",
  enter: "\r",
  esc: "\x1b",
  backspace: "\x7f",
} as const;

/** Removes SGR and cursor escapes from a frame so that assertions read the text. */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}
