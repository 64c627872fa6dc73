import { describe, expect, test } from "bun:test";
import { ASCII_GLYPHS, chooseTheme, textStyleProps, UNICODE_GLYPHS } from "../../ui/theme.ts";

describe("chooseTheme()", () => {
  // [env, unicode, attributes, color, where this happens]
  const table: [Record<string, string>, boolean, boolean, boolean, string][] = [
    [{}, false, false, false, "serial console, TERM unset (initramfs)"],
    [{ LANG: "C.UTF-8" }, false, false, false, "TERM unset even with a UTF-8 locale"],
    [{ TERM: "dumb" }, false, false, false, "dumb terminal"],
    [{ TERM: "vt100" }, false, true, false, "serial console set up as vt100"],
    [{ TERM: "vt220", LANG: "en_US.UTF-8" }, false, true, false, "vt220: monochrome, ASCII"],
    [{ TERM: "linux" }, false, true, true, "Linux VT, no locale"],
    [{ TERM: "linux", LANG: "C.UTF-8" }, false, true, true, "Linux VT: the font may lack glyphs"],
    [{ TERM: "xterm" }, false, true, true, "xterm, C locale"],
    [{ TERM: "xterm-256color", LANG: "en_US.UTF-8" }, true, true, true, "xterm with UTF-8"],
    [{ TERM: "xterm", LC_ALL: "de_DE.utf8" }, true, true, true, "LC_ALL spelled utf8"],
    [{ TERM: "xterm", LC_ALL: "C", LANG: "en_US.UTF-8" }, false, true, true, "LC_ALL wins over LANG"],
    [{ TERM: "xterm", LANG: "en_US.UTF-8", NO_COLOR: "1" }, true, true, false, "NO_COLOR"],
    [{ TERM: "xterm", NO_COLOR: "" }, false, true, true, "empty NO_COLOR is ignored (no-color.org)"],
  ];
  for (const [env, unicode, attributes, color, where] of table) {
    test(`${where}: ${JSON.stringify(env)}`, () => {
      const t = chooseTheme(env);
      expect({ unicode: t.unicode, attributes: t.attributes, color: t.color }).toEqual({ unicode, attributes, color });
      expect(t.glyphs).toBe(unicode ? UNICODE_GLYPHS : ASCII_GLYPHS);
    });
  }

  test("an explicit glyph choice overrides TERM and locale", () => {
    expect(chooseTheme({}, { glyphs: "unicode" }).unicode).toBe(true);
    expect(chooseTheme({ TERM: "xterm", LANG: "C.UTF-8" }, { glyphs: "ascii" }).unicode).toBe(false);
  });

  test("the ASCII glyphs are ASCII, and the default markers are two columns as systemd-boot draws them", () => {
    for (const g of Object.values(ASCII_GLYPHS)) expect(g).toMatch(/^[\x20-\x7e]+$/);
    expect(ASCII_GLYPHS.defaultMarker).toBe("=>");
    expect(UNICODE_GLYPHS.defaultMarker).toBe("► ");
  });
});

describe("textStyleProps()", () => {
  test("without attributes nothing is styled", () => {
    const t = chooseTheme({});
    for (const s of ["selected", "error", "heading", "warning"] as const) expect(textStyleProps(s, t)).toEqual({});
  });

  test("NO_COLOR keeps inverse and bold but drops colours", () => {
    const t = chooseTheme({ TERM: "xterm", NO_COLOR: "1" });
    expect(textStyleProps("selected", t)).toEqual({ inverse: true });
    expect(textStyleProps("error", t)).toEqual({ bold: true });
    expect(textStyleProps("warning", t)).toEqual({ bold: true });
  });

  test("with colour, warnings are yellow and errors red", () => {
    const t = chooseTheme({ TERM: "xterm" });
    expect(textStyleProps("warning", t)).toEqual({ color: "yellow" });
    expect(textStyleProps("error", t)).toEqual({ bold: true, color: "red" });
  });
});
