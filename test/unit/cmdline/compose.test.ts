import { describe, expect, test } from "bun:test";
import { appendCmdline, composeType1Cmdline, composeType2Cmdline, type AddonCmdline, type Type2CmdlineInput } from "../../../src/cmdline/compose.ts";

const enc = new TextEncoder();
const base: Type2CmdlineInput = { ukiCmdline: "root=/dev/vda2 quiet", profile: 0, editedLine: null, imageLineWins: null, addons: [] };
/** The command-line rule's reason when the UKI's own line wins (src/model/command-line-rule.ts decides it). */
const WINS = "Secure Boot is on, and its UKI's signed .cmdline is what boots, as systemd-stub does";
const compose = (over: Partial<Type2CmdlineInput>) => composeType2Cmdline({ ...base, ...over });

describe("composeType2Cmdline()", () => {
  test("uses the mangled .cmdline when nothing is passed, and measures nothing", () => {
    const r = compose({ ukiCmdline: enc.encode("  root=/dev/vda2\n  quiet\t\n\0garbage") });
    expect(r).toEqual({ cmdline: "root=/dev/vda2   quiet", profile: 0, loadOptions: null, measuredPieces: [], notes: [] });
  });

  test("replaces .cmdline with a confirmed edit, never merging the two, and measures it twice (LoadOptions and stub)", () => {
    const r = compose({ editedLine: "  single  " });
    expect(r.cmdline).toBe("single");
    expect(r.measuredPieces).toEqual([
      { pcr: 12, kind: "load-options", text: "  single  " },
      { pcr: 12, kind: "custom-cmdline", text: "single" },
    ]);
  });

  test.each([
    [
      "the rule says the UKI's line wins: the edit is dropped, with the rule's reason",
      { imageLineWins: WINS },
      "root=/dev/vda2 quiet",
      `custom command line dropped: ${WINS}`,
    ],
    [
      "the rule says the UKI's line wins and .cmdline is present but empty: still dropped",
      { imageLineWins: WINS, ukiCmdline: new Uint8Array([0]) },
      "",
      `custom command line dropped: ${WINS}`,
    ],
    ["the rule lets a custom line replace .cmdline: the edit is used", {}, "single", null],
    ["no .cmdline and the rule lets it: the edit is the line", { ukiCmdline: null }, "single", null],
  ] as const)("%s", (_, over, cmdline, note) => {
    const r = compose({ editedLine: "single", ...over });
    expect(r.cmdline).toBe(cmdline);
    expect(r.notes).toEqual(note === null ? [] : [note]);
    expect(r.measuredPieces.some((p) => p.kind === "custom-cmdline")).toBe(note === null);
  });

  test("when the UKI's line wins, signed add-ons' lines are still appended, as the stub appends them", () => {
    const r = compose({ options: "init=/bin/sh", imageLineWins: WINS, addons: [{ name: "a.addon.efi", scope: "uki", cmdline: "console=ttyS0" }] });
    expect(r.cmdline).toBe("root=/dev/vda2 quiet console=ttyS0");
    expect(r.measuredPieces).toEqual([
      { pcr: 12, kind: "load-options", text: "init=/bin/sh" },
      { pcr: 12, kind: "addon-cmdline", text: "console=ttyS0" },
    ]);
  });

  test("ignores LoadOptions whose first character is a control character", () => {
    const r = compose({ editedLine: "\u0001single" });
    expect(r.cmdline).toBe("root=/dev/vda2 quiet");
    expect(r.measuredPieces).toEqual([{ pcr: 12, kind: "load-options", text: "\u0001single" }]);
  });

  test("a custom line that mangles to nothing keeps .cmdline", () => {
    expect(compose({ editedLine: "   " }).cmdline).toBe("root=/dev/vda2 quiet");
  });

  describe("profiles (docs/entries.md §5)", () => {
    const perProfile = (k: number) => ["base-cmdline", "p1-cmdline", "p2-cmdline"][k] ?? null;

    test('profile N > 0 without an edit passes "@N", boots N with N\'s .cmdline and measures the number', () => {
      const r = compose({ profile: 2, ukiCmdline: perProfile });
      expect(r).toMatchObject({ cmdline: "p2-cmdline", profile: 2, loadOptions: "@2", notes: [] });
      expect(r.measuredPieces).toEqual([
        { pcr: 12, kind: "load-options", text: "@2" },
        { pcr: 12, kind: "profile", text: "2" },
      ]);
    });

    test('profile N > 0 with an edit passes "@N <edit>" and the edit replaces .cmdline', () => {
      const r = compose({ profile: 1, ukiCmdline: perProfile, editedLine: "debug" });
      expect(r).toMatchObject({ cmdline: "debug", profile: 1, loadOptions: "@1 debug" });
    });

    test('an edit starting with "@N" on profile 0 makes the stub boot profile N', () => {
      const r = compose({ ukiCmdline: perProfile, editedLine: "@1" });
      expect(r).toMatchObject({ cmdline: "p1-cmdline", profile: 1, notes: ["the command line selects profile @1 instead of @0"] });
    });

    test('only the entry\'s "@N" is a prefix; a second one stays in the command line', () => {
      const r = compose({ profile: 1, ukiCmdline: perProfile, editedLine: "@2 x" });
      expect(r).toMatchObject({ cmdline: "@2 x", profile: 1, loadOptions: "@1 @2 x" });
    });

    test("a Type #1 uki entry's options are LoadOptions, prefixed with its profile", () => {
      const r = compose({ profile: 1, ukiCmdline: perProfile, options: "console=ttyS0" });
      expect(r).toMatchObject({ cmdline: "console=ttyS0", profile: 1, loadOptions: "@1 console=ttyS0" });
    });

    test("an edit replaces the Type #1 options", () => {
      expect(compose({ options: "console=ttyS0", editedLine: "single" }).cmdline).toBe("single");
    });
  });

  describe("add-ons", () => {
    const addon = (name: string, scope: AddonCmdline["scope"], cmdline: AddonCmdline["cmdline"]): AddonCmdline => ({ name, scope, cmdline });

    test("appends global add-ons, then the UKI's, each sorted by name, as one measured piece", () => {
      const r = compose({
        addons: [
          addon("b.addon.efi", "uki", "uki-b"),
          addon("z.addon.efi", "global", "global-z"),
          addon("a.addon.efi", "uki", enc.encode("uki-a\n")),
          addon("A.addon.efi", "global", "global-A"),
        ],
      });
      expect(r.cmdline).toBe("root=/dev/vda2 quiet global-A global-z uki-a uki-b");
      expect(r.measuredPieces).toEqual([{ pcr: 12, kind: "addon-cmdline", text: "global-A global-z uki-a uki-b" }]);
    });

    test("skips add-ons without .cmdline, but one that mangles to nothing still adds a space", () => {
      const r = compose({ addons: [addon("a", "global", "one"), addon("b", "global", "  \n"), addon("c", "global", null), addon("d", "global", "two")] });
      expect(r.cmdline).toBe("root=/dev/vda2 quiet one  two");
    });

    test("appends add-ons after a custom line too, and to an empty line without a leading space", () => {
      expect(compose({ editedLine: "single", addons: [addon("a", "uki", "x")] }).cmdline).toBe("single x");
      expect(compose({ ukiCmdline: null, addons: [addon("a", "uki", "x")] }).cmdline).toBe("x");
    });

    test("an empty first add-on adds no separator, so nothing is measured", () => {
      const r = compose({ addons: [addon("a", "global", "")] });
      expect(r.cmdline).toBe("root=/dev/vda2 quiet");
      expect(r.measuredPieces).toEqual([]);
    });
  });

  describe("SMBIOS extra", () => {
    test("is mangled, appended last and measured", () => {
      const r = compose({ smbiosExtra: " console=ttyS0\n", addons: [{ name: "a", scope: "global", cmdline: "x" }] });
      expect(r.cmdline).toBe("root=/dev/vda2 quiet x console=ttyS0");
      expect(r.measuredPieces.map((p) => p.kind)).toEqual(["addon-cmdline", "smbios-cmdline"]);
    });

    test("is ignored in a confidential VM", () => {
      expect(compose({ smbiosExtra: "console=ttyS0", confidentialVm: true }).cmdline).toBe("root=/dev/vda2 quiet");
    });
  });
});

describe("composeType1Cmdline()", () => {
  test("puts initrd= tokens in backslash form first, then the options, and measures the whole line", () => {
    const r = composeType1Cmdline({ kind: "linux", initrds: ["/fedora/6.9/initrd", "fedora//extra.img"], options: "root=UUID=1 ro quiet", editedLine: null });
    expect(r.cmdline).toBe("initrd=\\fedora\\6.9\\initrd initrd=fedora\\extra.img root=UUID=1 ro quiet");
    expect(r.measuredPieces).toEqual([{ pcr: 12, kind: "load-options", text: r.cmdline }]);
  });

  test("uses a confirmed edit instead of the options, unmangled", () => {
    expect(composeType1Cmdline({ kind: "linux", initrds: ["/i"], options: "quiet", editedLine: "single  debug" }).cmdline).toBe("initrd=\\i single  debug");
  });

  test("appends the SMBIOS boot extra for linux entries only, outside confidential VMs", () => {
    const input = { initrds: [], options: "quiet", editedLine: null, smbiosExtra: "console=ttyS0" };
    expect(composeType1Cmdline({ ...input, kind: "linux" }).cmdline).toBe("quiet console=ttyS0");
    expect(composeType1Cmdline({ ...input, kind: "efi" }).cmdline).toBe("quiet");
    expect(composeType1Cmdline({ ...input, kind: "linux", confidentialVm: true }).cmdline).toBe("quiet");
  });

  test("gives efi entries no initrd= tokens and an empty line nothing to measure", () => {
    const r = composeType1Cmdline({ kind: "efi", initrds: ["/i"], options: null, editedLine: null });
    expect(r).toEqual({ cmdline: "", profile: 0, loadOptions: null, measuredPieces: [], notes: [] });
  });
});

describe("appendCmdline()", () => {
  test.each([
    ["quiet", "console=ttyS0", "quiet console=ttyS0"],
    ["", "console=ttyS0", "console=ttyS0"],
    ["quiet", "", "quiet"],
    ["", "", ""],
  ])("%p + %p → %p", (a, b, want) => {
    expect(appendCmdline(a, b)).toBe(want);
  });
});
