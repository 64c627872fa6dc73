import { describe, expect, test } from "bun:test";
import { trimInvisibleEnd } from "../../ui/frame/frame-line.ts";
import { formatBytes } from "../../ui/text/format-bytes.ts";
import { displayWidth, padToWidth, sanitizeText, truncateToWidth, wrapToWidth } from "../../ui/text/terminal-text.ts";

describe("sanitizeText()", () => {
  const table: [string, boolean, string][] = [
    ["Debian GNU/Linux", false, "Debian GNU/Linux"],
    ["evil\x1b[2Jtitle", true, "evil?[2Jtitle"],
    ["bell\x07 tab\t nl\n", true, "bell? tab? nl?"],
    ["c1\u009bx", true, "c1?x"],
    ["del\x7f", true, "del?"],
    ["rtl\u202eoverride", true, "rtloverride"],
    ["zero\u200bwidth", true, "zerowidth"],
    ["Fedora Linux 41 (Workstation Édition)", true, "Fedora Linux 41 (Workstation Édition)"],
    ["Fedora Linux 41 (Workstation Édition)", false, "Fedora Linux 41 (Workstation ?dition)"],
    ["e\u0301", false, "e"],
    ["日本", false, "??"],
  ];
  for (const [input, unicode, expected] of table) {
    test(`${JSON.stringify(input)} unicode=${unicode} → ${JSON.stringify(expected)}`, () => {
      expect(sanitizeText(input, { unicode })).toBe(expected);
    });
  }
});

describe("displayWidth() and friends", () => {
  test("counts wide characters as two and combining marks as zero", () => {
    expect(displayWidth("abc")).toBe(3);
    expect(displayWidth("日本")).toBe(4);
    expect(displayWidth("e\u0301")).toBe(1);
    expect(displayWidth("😀")).toBe(2);
  });

  test("truncateToWidth() adds the ellipsis only when it cuts", () => {
    expect(truncateToWidth("abcdef", 6, "...")).toBe("abcdef");
    expect(truncateToWidth("abcdefg", 6, "...")).toBe("abc...");
    expect(truncateToWidth("abcdefg", 6, "…")).toBe("abcde…");
    expect(truncateToWidth("日本語", 5, "…")).toBe("日本…");
    expect(truncateToWidth("abc", 0, "…")).toBe("");
  });

  test("padToWidth() pads and cuts to the exact width", () => {
    expect(padToWidth("ab", 4)).toBe("ab  ");
    expect(padToWidth("abcdef", 4)).toBe("abcd");
    expect(displayWidth(padToWidth("日本語", 5))).toBe(5);
  });

  test("wrapToWidth() breaks at spaces and inside words longer than a line", () => {
    expect(wrapToWidth("root=/dev/vda3 ro quiet splash", 15)).toEqual(["root=/dev/vda3", "ro quiet splash"]);
    expect(wrapToWidth("root=UUID=0b1c4a6e-2f9e-4d7e", 10)).toEqual(["root=UUID=", "0b1c4a6e-2", "f9e-4d7e"]);
    expect(wrapToWidth("a\n\nb", 10)).toEqual(["a", "", "b"]);
    expect(wrapToWidth("exactly ten", 11)).toEqual(["exactly ten"]);
    expect(wrapToWidth("abcde fghij", 5)).toEqual(["abcde", "fghij"]);
  });
});

test("formatBytes() uses binary units with three significant digits", () => {
  expect([0, 512, 1024, 1536, 11_534_336, 42_991_616, 1_073_741_824 * 1.5].map(formatBytes)).toEqual([
    "0 B",
    "512 B",
    "1.00 KiB",
    "1.50 KiB",
    "11.0 MiB",
    "41.0 MiB",
    "1.50 GiB",
  ]);
});

test("trimInvisibleEnd() drops trailing spaces except under the inverse highlight", () => {
  expect(trimInvisibleEnd([{ text: " title  " }, { text: "   ", style: "dim" }])).toEqual([{ text: " title" }]);
  expect(trimInvisibleEnd([{ text: "x" }, { text: " ", style: "selected" }, { text: "   " }])).toEqual([{ text: "x" }, { text: " ", style: "selected" }]);
  expect(trimInvisibleEnd([{ text: " row   " }], "selected")).toEqual([{ text: " row   " }]);
});
