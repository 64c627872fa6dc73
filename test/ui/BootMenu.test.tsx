import { afterEach, describe, expect, test } from "bun:test";
import { cleanup } from "ink-testing-library";
import { entry, KEY, UNICODE_THEME } from "./menu-fixtures.ts";
import { renderMenu } from "./ink-harness.tsx";

afterEach(() => cleanup());

/** The frame's lines without trailing spaces. */
const lines = (frame: string) => frame.split("\n").map((l) => l.trimEnd());
/** The entry row that carries the pointer. */
const highlighted = (frame: string) => lines(frame).find((l) => /^ > /.test(l)) ?? "";

describe("BootMenu list", () => {
  test("draws 23 rows on an 80x24 terminal, none wider than 79 columns", async () => {
    const h = await renderMenu();
    const ls = h.frame().split("\n");
    expect(ls.length).toBe(23);
    for (const l of ls) expect(l.length).toBeLessThanOrEqual(79);
  });

  test("marks the EFI-variable default with => and shows versions and tags", async () => {
    const h = await renderMenu();
    const ls = lines(h.frame());
    expect(ls[2]).toMatch(/^ > => Debian GNU\/Linux 13 \(trixie\) +6\.12\.48\+deb13-amd64$/);
    expect(ls[3]).toMatch(/^ {6}Debian GNU\/Linux 13 \(trixie\) \(6\.12\.38\+deb13-amd64\) +2 tries left$/);
    expect(ls[4]).toMatch(/Debian GNU\/Linux 12 \(bookworm\) +6\.1\.0-40-amd64 +bad$/);
    expect(ls.slice(6, 10).map((l) => l.trim())).toEqual(["Rescue Shell", "Reboot The System", "Power Off The System", "Reboot Into Firmware Interface"]);
  });

  test("Unicode theme uses the ► marker", async () => {
    const h = await renderMenu({ theme: UNICODE_THEME });
    expect(lines(h.frame())[2]).toStartWith(" » ►  Debian");
  });

  test("the countdown counts down with fake time and boots the default", async () => {
    const h = await renderMenu({ config: { timeout: 3 } });
    expect(h.frame()).toContain("Boot in 3 s.");
    await h.advance(1000);
    expect(h.frame()).toContain("Boot in 2 s.");
    await h.advance(1000);
    expect(h.frame()).toContain("Boot in 1 s.");
    expect(h.decisions).toEqual([]);
    await h.advance(1000);
    expect(h.decisions).toEqual([{ kind: "boot", entryId: "debian-6.12.48.efi", unattended: true, variables: {} }]);
    expect(h.frame()).toBe("");
  });

  test("any key stops the countdown", async () => {
    const h = await renderMenu({ config: { timeout: 2 } });
    await h.type("x");
    expect(h.frame()).not.toContain("Boot in");
    await h.advance(10_000);
    expect(h.decisions).toEqual([]);
  });

  test("arrow keys in CSI and SS3 form move the pointer", async () => {
    const h = await renderMenu();
    await h.type(KEY.down);
    expect(highlighted(h.frame())).toContain("(6.12.38+deb13-amd64)");
    await h.type(KEY.downSs3);
    expect(highlighted(h.frame())).toContain("bookworm");
    await h.type(KEY.upSs3);
    expect(highlighted(h.frame())).toContain("(6.12.38+deb13-amd64)");
  });

  test("a burst ↓↓⏎ written at once boots the third entry", async () => {
    const h = await renderMenu();
    await h.type(`${KEY.down}${KEY.down}${KEY.enter}`);
    expect(h.decisions).toEqual([{ kind: "boot", entryId: "debian-6.1.efi", variables: {} }]);
  });

  test("a sequence split across writes is still one key", async () => {
    const h = await renderMenu();
    await h.type("\x1b[");
    await h.type("B");
    expect(highlighted(h.frame())).toContain("(6.12.38+deb13-amd64)");
  });

  test("a lone ESC is Esc after the flush delay, not the start of a sequence", async () => {
    const h = await renderMenu();
    await h.type("h");
    expect(h.frame()).toContain("Keys in the menu");
    await h.type(KEY.esc);
    expect(h.frame()).toContain("Keys in the menu");
    await h.advance(50);
    expect(h.frame()).toContain("Rescue Shell");
  });

  test("digits pick entries and only highlight them", async () => {
    const h = await renderMenu();
    await h.type("4");
    expect(highlighted(h.frame())).toContain("Fedora Linux 41");
    expect(h.decisions).toEqual([]);
  });

  test("d marks the highlighted entry and says so; the decision carries the write", async () => {
    const h = await renderMenu();
    await h.type("jd");
    const ls = lines(h.frame());
    expect(ls[2]).toStartWith("      Debian GNU/Linux 13 (trixie)");
    expect(ls[3]).toStartWith(" > => Debian GNU/Linux 13 (trixie) (6.12.38");
    expect(h.frame()).toContain("Default boot entry selected.");
    await h.type("\r");
    expect(h.decisions[0]?.variables).toEqual({ setDefault: "debian-6.12.38.efi" });
  });

  test("+ shows the new timeout", async () => {
    const h = await renderMenu({ config: { timeout: 5 } });
    await h.type("+");
    expect(h.frame()).toContain("Menu timeout set to 6 s.");
  });

  test("the header points to the problems panel, which lists them", async () => {
    const h = await renderMenu({
      problems: [{ file: "\\EFI\\Linux\\broken.efi", message: 'Cannot parse PE image "broken.efi": no PE signature at 0x80' }],
    });
    expect(lines(h.frame())[0]).toMatch(/^ ukiboot 0\.1\.0 +1 file was skipped: press w$/);
    await h.type("w");
    const f = h.frame();
    expect(f).toContain("Problems found while looking for boot entries (1)");
    expect(f).toContain("\\EFI\\Linux\\broken.efi");
    expect(f).toContain("no PE signature at 0x80");
  });

  test("titles with escape sequences are shown harmlessly", async () => {
    const h = await renderMenu({ entries: [entry("evil.efi", { title: "Evil\x1b[2J\x07 title" })] });
    const f = h.frame();
    expect(f).toContain("Evil?[2J? title");
  });
});

describe("BootMenu details and help", () => {
  test("p shows the entry's file, sections, add-ons, command line and initrd members", async () => {
    const h = await renderMenu();
    await h.type("p");
    const f = h.frame();
    expect(f).toContain("\\EFI\\Linux\\debian-6.12.48.efi");
    expect(f).toContain("root=UUID=0b1c4a6e-2f9e-4d7e-9d3b-7b1f2c3d4e5f ro quiet");
    expect(f).toContain(".linux");
    expect(f).toContain("11.0 MiB");
    expect(f).toMatch(/lines 1-18 of \d+/);
    await h.type(KEY.end);
    const end = h.frame();
    expect(end).toContain("debug.addon.efi");
    expect(end).toContain("Initrd members (merged in this order)");
    expect(end).toContain("1. .initrd section  41.0 MiB");
  });

  test("p shows the kernel's full command line when add-ons extend it", async () => {
    const base = entry("debian-6.12.48.efi");
    const h = await renderMenu({ entries: [{ ...base, details: { ...base.details, composedCmdline: `${base.cmdline} debug=1` } }] });
    await h.type("p");
    const f = h.frame();
    expect(f).toContain("Kernel command line (with add-ons)");
    expect(f).toContain(`${base.cmdline} debug=1`);
  });

  test("details of a Type #1 entry show its problems", async () => {
    const h = await renderMenu();
    await h.type("4p");
    expect(h.frame()).toContain("initrd \\intel-ucode.img is missing, ignored");
  });

  test("help fits an 80x24 screen without scrolling", async () => {
    const h = await renderMenu();
    await h.type("?");
    const f = h.frame();
    expect(f).toContain("Keys in the editor");
    expect(f).not.toContain("lines 1-");
    expect(lines(f).at(-1)).toBe(" Esc back");
  });
});

describe("BootMenu editor", () => {
  test("e shows the command line; typing and Ctrl-W edit it; Enter boots with it", async () => {
    const h = await renderMenu();
    await h.type("4e");
    expect(h.frame()).toContain('Edit the command line of "Fedora Linux 41":');
    expect(lines(h.frame())[4]).toBe(" root=/dev/vda3 rhgb");
    await h.type("\x17single");
    expect(lines(h.frame())[4]).toBe(" root=/dev/vda3 single");
    await h.type(`${KEY.home}${KEY.delete}`);
    expect(lines(h.frame())[4]).toBe(" oot=/dev/vda3 single");
    await h.type("r\r");
    expect(h.decisions).toEqual([{ kind: "boot", entryId: "fedora-41.conf", cmdline: "root=/dev/vda3 single", variables: {} }]);
  });

  test("Esc cancels the edit and returns to the list", async () => {
    const h = await renderMenu();
    await h.type("eabc");
    await h.type(KEY.esc);
    await h.advance(50);
    expect(h.frame()).toContain("Rescue Shell");
    expect(h.decisions).toEqual([]);
  });

  test("unknown sequences are not typed into the line", async () => {
    const h = await renderMenu();
    await h.type("4e\x1b[I\x1b[200~\x1b[99~");
    expect(lines(h.frame())[4]).toBe(" root=/dev/vda3 rhgb");
  });

  test("a long line scrolls sideways and marks the hidden part", async () => {
    const long = `root=/dev/vda3 ${"console=ttyS0,115200 ".repeat(6)}quiet`;
    const h = await renderMenu({ entries: [entry("long.conf", { cmdline: long })] });
    await h.type("e");
    expect(lines(h.frame())[4]).toMatch(/^<.*quiet$/);
    await h.type(KEY.home);
    expect(lines(h.frame())[4]).toMatch(/^ root=\/dev\/vda3 .*>$/);
  });

  test("Secure Boot: e on a UKI with .cmdline says why and stays in the list", async () => {
    const h = await renderMenu();
    await h.type("3e");
    expect(h.frame()).toContain("Entry not editable in SecureBoot mode.");
    expect(h.frame()).toContain("Rescue Shell");
  });

  test("editor off: e says the entry does not support editing", async () => {
    const h = await renderMenu({ config: { editor: false } });
    await h.type("e");
    expect(h.frame()).toContain("Entry does not support editing the command line.");
  });
});

describe("BootMenu hidden menu and error screen", () => {
  test("menu-hidden draws nothing and boots the default when no key comes", async () => {
    const h = await renderMenu({ config: { timeout: "menu-hidden", hiddenKeyWindowMs: 100 } });
    expect(h.frame()).toBe("");
    await h.advance(100);
    expect(h.decisions).toMatchObject([{ kind: "boot", entryId: "debian-6.12.48.efi" }]);
  });

  test("a key in the window opens the menu without a countdown", async () => {
    const h = await renderMenu({ config: { timeout: "menu-hidden", hiddenKeyWindowMs: 100 } });
    await h.type(" ");
    expect(h.frame()).toContain("Rescue Shell");
    expect(h.frame()).not.toContain("Boot in");
    await h.advance(60_000);
    expect(h.decisions).toEqual([]);
  });

  test("menu-disabled reports the default at once", async () => {
    const h = await renderMenu({ config: { timeout: "menu-disabled", defaultEntryId: "fedora-41.conf" } });
    expect(h.decisions).toMatchObject([{ kind: "boot", entryId: "fedora-41.conf" }]);
  });

  test("the error screen shows message and hint; Enter after the guard goes back to the list", async () => {
    const h = await renderMenu({
      error: {
        message:
          'Cannot load kernel "/efi/EFI/Linux/debian.efi": kexec_file_load(kernel=7, initrd=8, flags=0x0) failed with EKEYREJECTED (Key was rejected by service)',
        hint: "The kernel is not signed by a key the running kernel trusts; choose another entry",
      },
    });
    const f = h.frame();
    expect(f).toContain("The entry could not be started");
    expect(f).toContain("EKEYREJECTED");
    expect(f).toContain("trusts; choose another");
    await h.type("\r");
    expect(h.frame()).toContain("The entry could not be started");
    await h.advance(500);
    await h.type("\r");
    expect(h.frame()).toContain("Rescue Shell");
    expect(h.decisions).toEqual([]);
  });
});

describe("BootMenu terminal sizes", () => {
  // ink-testing-library's stdout is 100 columns wide, so that is the widest terminal a component test can use.
  test("a tall terminal shows more rows and a wide one longer titles", async () => {
    const many = Array.from({ length: 40 }, (_, i) => entry(`e${i}.conf`, { title: `Entry ${i} ${"x".repeat(100)}` }));
    const h = await renderMenu({ entries: many, terminal: { columns: 100, rows: 50 } });
    const ls = h.frame().split("\n");
    expect(ls.length).toBe(49);
    expect(Math.max(...ls.map((l) => l.length))).toBe(99);
    // 44 body rows: the 40 entries and the 4 extra items all fit.
    expect(ls.filter((l) => /Entry \d|Rescue Shell|Reboot|Power Off/.test(l)).length).toBe(44);
  });

  test("a resize redraws at the new size", async () => {
    const h = await renderMenu();
    h.controller().resize({ columns: 60, rows: 15 });
    const f = await h.waitFor((fr) => fr.split("\n").length === 14, "14 rows");
    for (const l of f.split("\n")) expect(l.length).toBeLessThanOrEqual(59);
  });
});

describe("BootMenu on a small terminal (40x12)", () => {
  const small = { columns: 40, rows: 12 };
  const screens: [string, string][] = [
    ["list", ""],
    ["details", "p"],
    ["help", "h"],
    ["problems", "w"],
    ["editor", "e"],
    ["status message", "3e"],
  ];
  for (const [name, keysTyped] of screens) {
    test(`${name}: 11 rows, none wider than 39 columns`, async () => {
      const h = await renderMenu({
        terminal: small,
        problems: [{ file: "\\EFI\\Linux\\a-very-long-file-name-for-a-small-screen.efi", message: "Cannot parse PE image: ".repeat(4) }],
      });
      if (keysTyped) await h.type(keysTyped);
      const ls = h.frame().split("\n");
      expect(ls.length).toBe(11);
      for (const l of ls) expect(l.length).toBeLessThanOrEqual(39);
    });
  }

  test("error screen: 11 rows, none wider than 39 columns", async () => {
    const h = await renderMenu({ terminal: small, error: { message: "x".repeat(200), hint: "y ".repeat(60) } });
    const ls = h.frame().split("\n");
    expect(ls.length).toBe(11);
    for (const l of ls) expect(l.length).toBeLessThanOrEqual(39);
  });
});
