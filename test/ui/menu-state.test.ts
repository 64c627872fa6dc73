import { describe, expect, test } from "bun:test";
import type { MenuConfig, MenuDecision } from "../../src/ports/menu.ts";
import { countdownSeconds, nextWakeup } from "../../ui/state/countdown.ts";
import { createMenuState, menuReducer } from "../../ui/state/menu-state.ts";
import type { MenuState } from "../../ui/state/menu-types.ts";
import { ERROR_KEY_GUARD_MS } from "../../ui/state/scroll-view.ts";
import { ASCII_THEME, CONFIG, ENTRIES, entry, KEY, keys } from "./menu-fixtures.ts";

const T0 = 1_000_000;
const TERM = { columns: 80, rows: 24 };

function start(config: Partial<MenuConfig> = {}, opts: { entries?: typeof ENTRIES; error?: { message: string; hint?: string } } = {}) {
  return createMenuState({
    entries: opts.entries ?? ENTRIES,
    config: { ...CONFIG, ...config },
    problems: [{ file: "\\EFI\\Linux\\broken.efi", message: "Cannot parse PE image: no PE signature" }],
    now: T0,
    terminal: TERM,
    theme: ASCII_THEME,
    ...(opts.error ? { error: opts.error } : {}),
  });
}

/** Feeds raw bytes as one read at time `now`. */
function type(state: MenuState, bytes: string, now = T0 + 10): MenuState {
  return menuReducer(state, { type: "input", keys: keys(bytes), now });
}

function decision(state: MenuState): MenuDecision {
  expect(state.phase).toBe("done");
  return state.decision!;
}

describe("createMenuState() applies the timeout rules of docs/order-and-default.md §4", () => {
  test("a numeric timeout shows the menu with a countdown on the default entry", () => {
    const s = start({ timeout: 5, defaultEntryId: "debian-6.12.38.efi" });
    expect(s.phase).toBe("menu");
    expect(s.selected).toBe(1);
    expect(countdownSeconds(s)).toBe(5);
  });

  test("menu-force shows the menu without a countdown", () => {
    const s = start({ timeout: "menu-force" });
    expect(s.phase).toBe("menu");
    expect(countdownSeconds(s)).toBeUndefined();
  });

  test("menu-hidden waits for a key for hiddenKeyWindowMs", () => {
    const s = start({ timeout: "menu-hidden", hiddenKeyWindowMs: 250 });
    expect(s.phase).toBe("hidden");
    expect(nextWakeup(s)).toBe(T0 + 250);
  });

  test("timeout 0 is menu-hidden", () => {
    expect(start({ timeout: 0 }).phase).toBe("hidden");
  });

  test("menu-hidden with no key window boots the default at once", () => {
    expect(decision(start({ timeout: "menu-hidden", hiddenKeyWindowMs: 0 }))).toEqual({
      kind: "boot",
      entryId: "debian-6.12.48.efi",
      unattended: true,
      variables: {},
    });
  });

  test("menu-disabled boots the default at once", () => {
    expect(decision(start({ timeout: "menu-disabled", defaultEntryId: "fedora-41.conf" }))).toEqual({
      kind: "boot",
      entryId: "fedora-41.conf",
      unattended: true,
      variables: {},
    });
  });

  test("the one-shot timeout forces the menu even when hidden or disabled, without a countdown", () => {
    for (const timeout of ["menu-hidden", "menu-disabled", 0] as const) {
      const s = start({ timeout, forceMenu: true });
      expect(s.phase).toBe("menu");
      expect(countdownSeconds(s)).toBeUndefined();
    }
  });

  test("an unknown default entry id starts on entry 0", () => {
    expect(start({ defaultEntryId: "gone.efi" }).selected).toBe(0);
  });

  test("with no boot entries the menu stays up with a message and the extra entries", () => {
    const s = start({ timeout: "menu-disabled" }, { entries: [] });
    expect(s.phase).toBe("menu");
    expect(s.status).toBe("No boot entries found.");
    expect(s.items.map((i) => i.title)).toEqual(["Rescue Shell", "Reboot The System", "Power Off The System", "Reboot Into Firmware Interface"]);
  });

  test("the firmware setup entry is listed only when the firmware supports it", () => {
    expect(start({ firmwareSetupSupported: false }).items.map((i) => i.id)).not.toContain("auto-reboot-to-firmware-setup");
  });

  test("an initial error shows the error screen and no countdown", () => {
    const s = start({ timeout: 5 }, { error: { message: "Cannot load kernel", hint: "Choose another entry" } });
    expect(s.screen.name).toBe("error");
    expect(countdownSeconds(s)).toBeUndefined();
  });
});

describe("menuReducer() countdown", () => {
  test("counts whole seconds down and boots the default at the deadline", () => {
    let s = start({ timeout: 3 });
    const seen: (number | undefined)[] = [];
    for (const t of [0, 999, 1000, 1500, 2000, 2999]) {
      s = menuReducer(s, { type: "tick", now: T0 + t });
      seen.push(countdownSeconds(s));
    }
    expect(seen).toEqual([3, 3, 2, 2, 1, 1]);
    s = menuReducer(s, { type: "tick", now: T0 + 3000 });
    expect(decision(s)).toEqual({ kind: "boot", entryId: "debian-6.12.48.efi", unattended: true, variables: {} });
  });

  test("nextWakeup() asks for a tick when the shown seconds change", () => {
    let s = start({ timeout: 3 });
    expect(nextWakeup(s)).toBe(T0 + 1000);
    s = menuReducer(s, { type: "tick", now: T0 + 1250 });
    expect(nextWakeup(s)).toBe(T0 + 2000);
  });

  test("any key stops the countdown, even one that does nothing", () => {
    for (const bytes of ["x", KEY.esc, KEY.up, "\x1b[1;5C"]) {
      let s = type(start({ timeout: 3 }), bytes);
      expect(countdownSeconds(s)).toBeUndefined();
      s = menuReducer(s, { type: "tick", now: T0 + 60_000 });
      expect(s.phase).toBe("menu");
    }
  });

  test("an unknown sequence does not stop the countdown (it was never a key)", () => {
    const s = type(start({ timeout: 3 }), "\x1b[I");
    expect(countdownSeconds(s)).toBe(3);
  });
});

describe("menuReducer() hidden menu", () => {
  test("no key in the window boots the default", () => {
    let s = start({ timeout: "menu-hidden", hiddenKeyWindowMs: 100 });
    s = menuReducer(s, { type: "tick", now: T0 + 99 });
    expect(s.phase).toBe("hidden");
    s = menuReducer(s, { type: "tick", now: T0 + 100 });
    expect(decision(s).kind).toBe("boot");
  });

  test("a key opens the menu, and the rest of that read is dropped", () => {
    const s = type(start({ timeout: "menu-hidden" }), "jjj\r");
    expect(s.phase).toBe("menu");
    expect(s.selected).toBe(0);
    expect(countdownSeconds(s)).toBeUndefined();
  });

  test("unknown sequences (line noise, terminal reports) do not open the menu", () => {
    expect(type(start({ timeout: "menu-hidden" }), "\ufffd\x1b[I").phase).toBe("hidden");
  });

  test("a digit boots that entry directly", () => {
    expect(decision(type(start({ timeout: "menu-hidden" }), "3"))).toMatchObject({ kind: "boot", entryId: "debian-6.1.efi" });
  });

  test("a digit past the boot entries opens the menu instead of picking power off", () => {
    expect(type(start({ timeout: "menu-hidden" }), "7").phase).toBe("menu");
  });

  test("a hotkey boots the first matching entry from the default on", () => {
    const entries = [entry("a.conf", { hotkey: undefined }), entry("b.conf", { hotkey: "l" }), entry("c.conf", { hotkey: "l" })];
    const s = start({ timeout: "menu-hidden", defaultEntryId: "c.conf" }, { entries });
    expect(decision(type(s, "l"))).toMatchObject({ entryId: "c.conf" });
  });
});

describe("menuReducer() list keys", () => {
  // [bytes typed after start (selected = 0), expected selected index]. 4 entries + 4 extra items.
  const moves: [string, number, string][] = [
    [KEY.down, 1, "CSI down"],
    [KEY.downSs3, 1, "SS3 down"],
    ["j", 1, "j"],
    ["J", 1, "J"],
    [`${KEY.down}${KEY.down}${KEY.up}`, 1, "down down up"],
    ["kkk", 0, "up at the top stays (no wrap)"],
    [KEY.end, 7, "End"],
    ["\x1b>", 7, "Alt->"],
    [`${KEY.end}${KEY.home}`, 0, "End Home"],
    [`${KEY.end}\x1b<`, 0, "End Alt-<"],
    ["jjjjjjjjjjjj", 7, "down at the bottom stays"],
    [KEY.pageDown, 7, "PgDn clamps to the last item"],
    [`${KEY.end}${KEY.pageUp}`, 0, "PgUp clamps to the first item"],
    ["3", 2, "digit picks entry 3"],
    ["9", 7, "digit past the end is clamped"],
    ["l", 1, "l: next Linux entry after the current one"],
    ["ll", 2, "l again: the one after"],
    ["llll", 0, "l wraps around"],
    ["\x1b[I", 0, "unknown sequence is ignored"],
    ["x", 0, "unbound letter does nothing"],
  ];
  for (const [bytes, expected, name] of moves) {
    test(`${name} → item ${expected}`, () => {
      const s = type(start({ timeout: "menu-force" }), bytes);
      expect(s.phase).toBe("menu");
      expect(s.selected).toBe(expected);
    });
  }

  test("a burst ↓↓⏎ in one read boots the third entry", () => {
    expect(decision(type(start(), `${KEY.down}${KEY.down}${KEY.enter}`))).toEqual({
      kind: "boot",
      entryId: "debian-6.1.efi",
      variables: {},
    });
  });

  test("keys after the decision in the same read are ignored", () => {
    const s = type(start(), `${KEY.enter}jjd`);
    expect(decision(s)).toEqual({ kind: "boot", entryId: "debian-6.12.48.efi", variables: {} });
  });

  for (const [bytes, name] of [
    [KEY.enter, "Enter"],
    ["\n", "LF"],
    [KEY.right, "Right"],
    ["\x1bOR", "F3"],
  ] as const) {
    test(`${name} boots the highlighted entry`, () => {
      expect(decision(type(start(), `j${bytes}`))).toMatchObject({ kind: "boot", entryId: "debian-6.12.38.efi" });
    });
  }

  test("Enter on the extra items gives shell, reboot, power off and firmware setup", () => {
    const kinds = [4, 5, 6, 7].map((n) => decision(type(start(), `${"j".repeat(n)}\r`)).kind);
    expect(kinds).toEqual(["shell", "reboot", "poweroff", "firmware-setup"]);
  });

  test("B reboots, O powers off, Q opens the shell; lower case does nothing", () => {
    expect(decision(type(start(), "B")).kind).toBe("reboot");
    expect(decision(type(start(), "O")).kind).toBe("poweroff");
    expect(decision(type(start(), "Q")).kind).toBe("shell");
    for (const c of ["b", "o", "q", "\x1bO"]) expect(type(start(), c).phase).toBe("menu");
  });

  test("Q does not open a shell the caller left out", () => {
    const s = type(start({ actions: { shell: false } }), "Q");
    expect(s.phase).toBe("menu");
    expect(s.status).toBe("The rescue shell is not available.");
    expect(s.items.map((i) => i.id)).not.toContain("ukiboot-shell");
  });

  test("f asks for confirmation; Enter confirms, another key cancels and is swallowed", () => {
    let s = type(start(), "f");
    expect(s.status).toBe("Press Enter to reboot into firmware interface.");
    expect(decision(type(s, "\r")).kind).toBe("firmware-setup");
    s = type(s, "j");
    expect(s.phase).toBe("menu");
    expect(s.selected).toBe(0);
    expect(s.status).toBeUndefined();
  });

  test("F2, F10 and Delete also ask for firmware setup; without support f says so", () => {
    for (const bytes of ["\x1bOQ", "\x1b[21~", KEY.delete]) expect(type(start(), bytes).confirmFirmware).toBe(true);
    const s = type(start({ firmwareSetupSupported: false }), "f");
    expect(s.confirmFirmware).toBe(false);
    expect(s.status).toBe("Reboot into firmware interface not supported.");
  });

  test("the status message is cleared by the next key", () => {
    const s = type(start(), "v");
    expect(s.status).toBe("ukiboot 0.1.0");
    expect(type(s, "j").status).toBeUndefined();
  });

  test("Ctrl-L and L ask for a redraw", () => {
    expect(type(start(), "\x0cL").redraws).toBe(2);
  });
});

describe("menuReducer() d toggles the EFI-variable default, written once on leaving", () => {
  test("d on another entry selects it; the decision carries setDefault", () => {
    const s = type(start(), "jd");
    expect(s.status).toBe("Default boot entry selected.");
    expect(s.defaultId).toBe("debian-6.12.38.efi");
    expect(decision(type(s, "\r")).variables).toEqual({ setDefault: "debian-6.12.38.efi" });
  });

  test("d on the current default clears it; the decision deletes the variable", () => {
    const s = type(start(), "d");
    expect(s.status).toBe("Default boot entry cleared.");
    expect(decision(type(s, "\r")).variables).toEqual({ setDefault: null });
  });

  test("toggling back to the start value writes nothing", () => {
    expect(decision(type(start(), "dd\r")).variables).toEqual({});
  });

  test("d on an extra item is refused", () => {
    const s = type(start(), `${KEY.end}d`);
    expect(s.status).toBe("This entry cannot be the default.");
    expect(s.defaultId).toBe("debian-6.12.48.efi");
  });

  test("with no default at start, D sets one", () => {
    const entries = ENTRIES.map((e) => ({ ...e, isDefault: false }));
    expect(decision(type(start({}, { entries }), "D\r")).variables).toEqual({ setDefault: "debian-6.12.48.efi" });
  });
});

describe("menuReducer() + and - step the timeout from the one in effect", () => {
  const table: [Partial<MenuConfig>, string, string, unknown][] = [
    [{ timeout: 5 }, "+", "Menu timeout set to 6 s.", { setTimeout: 6 }],
    [{ timeout: 5 }, "t", "Menu timeout set to 6 s.", { setTimeout: 6 }],
    [{ timeout: 5 }, "-", "Menu timeout set to 4 s.", { setTimeout: 4 }],
    [{ timeout: 5 }, "T", "Menu timeout set to 4 s.", { setTimeout: 4 }],
    [{ timeout: 1 }, "-", "Menu hidden. Hold down key at bootup to show menu.", { setTimeout: "menu-hidden" }],
    [{ timeout: 1 }, "--", "Timeout disabled, menu will always be shown.", { setTimeout: "menu-force" }],
    [{ timeout: "menu-force" }, "+", "Menu hidden. Hold down key at bootup to show menu.", { setTimeout: "menu-hidden" }],
    [{ timeout: "menu-force" }, "-", "Timeout disabled, menu will always be shown.", { setTimeout: "menu-force" }],
    // The variable already holds 6: stepping 5 → 6 leaves it as it was, so nothing is written.
    [{ timeout: 5, timeoutEfiVar: 6 }, "+", "Menu timeout set to 6 s.", {}],
    // systemd-boot compares with the variable, not loader.conf: 5 → 6 → 5 still writes 5.
    [{ timeout: 5 }, "+-", "Menu timeout set to 5 s.", { setTimeout: 5 }],
    [{ timeout: 5, timeoutEfiVar: 5 }, "+-", "Menu timeout set to 5 s.", {}],
  ];
  for (const [config, bytes, status, variables] of table) {
    test(`${JSON.stringify(config)} ${bytes} → "${status}"`, () => {
      const s = type(start(config), bytes);
      expect(s.status).toBe(status);
      expect(decision(type(s, "\r")).variables).toEqual(variables as object);
    });
  }
});

describe("menuReducer() editor", () => {
  test("e opens the editor with the composed command line and the cursor at the end", () => {
    const s = type(start(), "e");
    expect(s.screen.name).toBe("editor");
    if (s.screen.name !== "editor") return;
    expect(s.screen.line.chars.join("")).toBe(ENTRIES[0]!.cmdline);
    expect(s.screen.line.cursor).toBe(ENTRIES[0]!.cmdline.length);
  });

  test("typing, Ctrl-W, Home and Enter boot with the edited line", () => {
    // cmdline "root=/dev/vda3 rhgb" (fedora, entry 4): kill "rhgb", type "single", go home, type "x "
    const s = type(start(), `4e\x17single${KEY.home}x \r`);
    expect(decision(s)).toEqual({ kind: "boot", entryId: "fedora-41.conf", cmdline: "x root=/dev/vda3 single", variables: {} });
  });

  test("a confirmed but unchanged line is still passed (options no longer implied)", () => {
    expect(decision(type(start(), "4e\r"))).toMatchObject({ cmdline: "root=/dev/vda3 rhgb" });
  });

  test("E also opens the editor; Esc, Ctrl-C and Ctrl-G cancel without booting", () => {
    for (const cancel of [KEY.esc, "\x03", "\x07"]) {
      const s = type(start(), `Eabc${cancel}`);
      expect(s.phase).toBe("menu");
      expect(s.screen.name).toBe("list");
    }
  });

  test("after a cancel, Enter boots without a cmdline", () => {
    expect(decision(type(start(), `eabc${KEY.esc}\r`))).toEqual({ kind: "boot", entryId: "debian-6.12.48.efi", variables: {} });
  });

  test("unknown sequences and Alt-letters are never typed into the line", () => {
    const s = type(start(), "4e\x1b[I\x1b[99~\x1bx\x1b[1;5A\r");
    expect(decision(s)).toMatchObject({ cmdline: "root=/dev/vda3 rhgb" });
  });

  test("arrow keys in CSI and SS3 form move the cursor", () => {
    const s = type(start(), `4e${KEY.left}\x1bOD${KEY.backspace}\r`);
    expect(decision(s)).toMatchObject({ cmdline: "root=/dev/vda3 rgb" });
  });

  test("Delete and Ctrl-D delete forward, Ctrl-K kills to the end", () => {
    expect(decision(type(start(), `4e${KEY.home}${KEY.delete}\x04\r`))).toMatchObject({ cmdline: "ot=/dev/vda3 rhgb" });
    expect(decision(type(start(), `4e${KEY.home}\x1bf\x0b\r`))).toMatchObject({ cmdline: "root=/dev/vda3" });
  });

  test("the editor keeps the cursor inside the field by scrolling sideways", () => {
    const long = "x".repeat(200);
    let s = type(start({}, { entries: [entry("a.efi", { cmdline: long })] }), "e");
    if (s.screen.name !== "editor") throw new Error("editor did not open");
    expect(s.screen.viewStart).toBe(200 - 77 + 1);
    s = type(s, KEY.home);
    if (s.screen.name !== "editor") throw new Error("editor closed");
    expect(s.screen.viewStart).toBe(0);
  });

  test("editor off in loader.conf: e says so and stays in the list", () => {
    const s = type(start({ editor: false }), "e");
    expect(s.screen.name).toBe("list");
    expect(s.status).toBe("Entry does not support editing the command line.");
  });

  test("a UKI with .cmdline under Secure Boot: e shows the entry's reason", () => {
    const s = type(start(), "3e");
    expect(s.screen.name).toBe("list");
    expect(s.status).toBe("Entry not editable in SecureBoot mode.");
  });

  test("the extra items cannot be edited", () => {
    expect(type(start(), `${KEY.end}e`).status).toBe("Entry does not support editing the command line.");
  });
});

describe("menuReducer() views", () => {
  for (const [bytes, view] of [
    ["h", "help"],
    ["H", "help"],
    ["?", "help"],
    [KEY.f1, "help"],
    ["p", "details"],
    ["P", "details"],
    ["w", "problems"],
  ] as const) {
    test(`${JSON.stringify(bytes)} opens ${view}; Esc goes back`, () => {
      const s = type(start(), bytes);
      expect(s.screen.name).toBe(view);
      expect(type(s, KEY.esc).screen.name).toBe("list");
    });
  }

  test("the key that opened a view closes it", () => {
    expect(type(start(), "pp").screen.name).toBe("list");
    expect(type(start(), "ww").screen.name).toBe("list");
    expect(type(start(), "h?").screen.name).toBe("list");
  });

  test("keys in a view do not act on the list", () => {
    const s = type(start(), "pjB");
    expect(s.phase).toBe("menu");
    expect(s.selected).toBe(0);
  });

  test("views scroll, clamped to their length", () => {
    const small = { columns: 80, rows: 12 }; // body of 6 rows
    let s = menuReducer(start(), { type: "resize", terminal: small });
    s = type(s, "p");
    s = type(s, "jjj");
    expect(s.screen).toMatchObject({ name: "details", scroll: 3 });
    s = type(s, `${KEY.end}`);
    const bottom = (s.screen as { scroll: number }).scroll;
    expect(bottom).toBeGreaterThan(3);
    s = type(s, "j");
    expect((s.screen as { scroll: number }).scroll).toBe(bottom);
    s = type(s, KEY.home);
    expect((s.screen as { scroll: number }).scroll).toBe(0);
  });
});

describe("menuReducer() error screen", () => {
  const err = { message: "Cannot load kernel: kexec_file_load failed with EKEYREJECTED", hint: "Choose another entry" };

  test("keys typed ahead within the guard time are ignored", () => {
    const s = type(start({}, { error: err }), "\r", T0 + ERROR_KEY_GUARD_MS - 1);
    expect(s.screen.name).toBe("error");
  });

  test("Enter after the guard goes back to the list, which does not boot by itself", () => {
    let s = type(start({}, { error: err }), "\r", T0 + ERROR_KEY_GUARD_MS);
    expect(s.screen.name).toBe("list");
    s = menuReducer(s, { type: "tick", now: T0 + 3_600_000 });
    expect(s.phase).toBe("menu");
  });

  test("Esc also goes back; other keys are ignored", () => {
    expect(type(start({}, { error: err }), "B", T0 + 1000).phase).toBe("menu");
    expect(type(start({}, { error: err }), "B", T0 + 1000).screen.name).toBe("error");
    expect(type(start({}, { error: err }), KEY.esc, T0 + 1000).screen.name).toBe("list");
  });
});

describe("menuReducer() list scrolling", () => {
  const many = Array.from({ length: 40 }, (_, i) => entry(`e${String(i).padStart(2, "0")}.conf`));

  test("the list scrolls to keep the highlight visible", () => {
    let s = start({ timeout: "menu-force" }, { entries: many });
    expect(s.scrollTop).toBe(0);
    s = type(s, "j".repeat(20));
    expect(s.selected).toBe(20);
    expect(s.scrollTop).toBe(20 - 18 + 1);
    s = type(s, KEY.pageDown);
    expect(s.selected).toBe(38);
    s = type(s, KEY.home);
    expect(s.scrollTop).toBe(0);
  });

  test("the default entry starts centred when it is further down than half a screen", () => {
    const s = start({ timeout: "menu-force", defaultEntryId: "e30.conf" }, { entries: many });
    expect(s.selected).toBe(30);
    expect(s.scrollTop).toBe(30 - 9);
  });

  test("a resize keeps the highlight visible", () => {
    let s = type(start({ timeout: "menu-force" }, { entries: many }), "j".repeat(17));
    s = menuReducer(s, { type: "resize", terminal: { columns: 80, rows: 12 } });
    expect(s.selected).toBeGreaterThanOrEqual(s.scrollTop);
    expect(s.selected).toBeLessThan(s.scrollTop + 6);
  });
});

describe("the TOTP secret: its action, its notice and the header's line", () => {
  test("the action is listed after the shell only when the flow offers it", () => {
    expect(start().items.map((i) => i.id)).not.toContain("ukiboot-seal-totp");
    expect(start({ actions: { sealTotp: true } }).items.map((i) => i.title)).toContain("Seal a TOTP Secret");
    const ids = start({ actions: { sealTotp: true } }).items.map((i) => i.id);
    expect(ids.indexOf("ukiboot-seal-totp")).toBe(ids.indexOf("ukiboot-shell") + 1);
  });

  test("Enter on it asks first; Enter again seals, another key cancels and is swallowed", () => {
    const s0 = start({ actions: { sealTotp: true } });
    const at = s0.items.findIndex((i) => i.id === "ukiboot-seal-totp");
    let s = type(s0, `${"j".repeat(at)}\r`);
    expect(s.phase).toBe("menu");
    expect(s.status).toBe("Press Enter to seal a new TOTP secret; codes of the one sealed before stop working.");
    expect(decision(type(s, "\r")).kind).toBe("seal-totp");
    s = type(s, "k");
    expect(s.phase).toBe("menu");
    expect(s.selected).toBe(at);
    expect(s.status).toBeUndefined();
  });

  test("a notice is shown first, without a countdown, and Enter goes back to the list once it could be read", () => {
    const s = createMenuState({
      entries: ENTRIES,
      config: { ...CONFIG, timeout: 5 },
      notice: { title: "A TOTP secret is sealed", message: "Scan it.", picture: ["▀▄"], verbatim: ["otpauth://totp/ukiboot:boot?secret=ABC"] },
      now: T0,
      terminal: TERM,
      theme: ASCII_THEME,
    });
    expect(s.screen.name).toBe("notice");
    expect(countdownSeconds(s)).toBeUndefined();
    const text = "lines" in s.screen ? s.screen.lines.map((l) => l.text) : [];
    expect(text).toContain("  (The QR code needs a UTF-8 terminal: use the text below.)");
    expect(text).toContain("  otpauth://totp/ukiboot:boot?secret=ABC");
    expect(type(s, "\r").screen.name).toBe("notice");
    expect(type(s, "\r", T0 + ERROR_KEY_GUARD_MS + 1).screen.name).toBe("list");
  });

  test("with a TOTP line the menu wakes at every whole second, also without a countdown", () => {
    const s = createMenuState({
      entries: ENTRIES,
      config: { ...CONFIG, timeout: "menu-force" },
      totp: () => ({ kind: "code", code: "123456", secondsLeft: 7 }),
      now: T0 + 250,
      terminal: TERM,
      theme: ASCII_THEME,
    });
    expect(nextWakeup(s)).toBe(T0 + 1000);
    expect(nextWakeup({ ...s, totp: undefined })).toBeUndefined();
  });
});
