import { describe, expect, test } from "bun:test";
import { parseLoaderConf } from "../../../src/bls/loader-conf.ts";

const parse = (text: string) => parseLoaderConf(text, { source: "loader.conf" });

describe("parseLoaderConf()", () => {
  test("applies the defaults to an empty file", () => {
    const { config, problems } = parse("");
    expect(config).toEqual({
      editor: true,
      autoEntries: true,
      autoFirmware: true,
      autoPoweroff: false,
      autoReboot: false,
      rebootOnError: "auto",
      beep: false,
      rebootForBitlocker: false,
      other: {},
    });
    expect(problems).toEqual([]);
  });
  test.each([
    ["timeout 5", 5],
    ["timeout 0", 0],
    ["timeout 4294967295", 4294967295],
    ["timeout menu-force", "menu-force"],
    ["timeout menu-hidden", "menu-hidden"],
    ["timeout menu-disabled", "menu-disabled"],
  ] as const)("reads %p", (line, value) => {
    expect(parse(line).config.timeout).toBe(value);
  });
  test.each(["timeout 4294967296", "timeout -1", "timeout 5s", "timeout +5", "timeout MENU-FORCE"])("ignores %p with a problem naming the line", (line) => {
    const { config, problems } = parse(`editor no\n${line}\n`);
    expect(config.timeout).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: "loader.conf", line: 2, severity: "warning" });
  });
  test("keeps the earlier valid value when a later one is invalid", () => {
    expect(parse("timeout 3\ntimeout soon\n").config.timeout).toBe(3);
  });
  test("reports a duplicate key on the overridden line; the last one wins", () => {
    const { config, problems } = parse("default a*\ndefault b*\n");
    expect(config.default).toBe("b*");
    expect(problems).toEqual([{ file: "loader.conf", line: 1, message: 'Ignoring "default a*": "default" is set again on line 2', severity: "warning" }]);
  });
  test("accepts @saved in any case and rejects other @ values", () => {
    expect(parse("default @SAVED").config.default).toBe("@saved");
    const r = parse("default @foo");
    expect(r.config.default).toBeUndefined();
    expect(r.problems[0]!.line).toBe(1);
  });
  test("reads booleans with systemd's words only", () => {
    const { config, problems } = parse("editor no\nauto-firmware off\nauto-poweroff yes\nauto-reboot 1\nbeep Yes\n");
    expect([config.editor, config.autoFirmware, config.autoPoweroff, config.autoReboot, config.beep]).toEqual([false, false, true, true, false]);
    expect(problems.map((p) => p.line)).toEqual([5]);
  });
  test("reads reboot-on-error as auto or a boolean", () => {
    expect(parse("reboot-on-error no").config.rebootOnError).toBe(false);
    expect(parse("reboot-on-error auto").config.rebootOnError).toBe("auto");
    expect(parse("reboot-on-error maybe").problems).toHaveLength(1);
  });
  test("keeps console-mode and similar keys, and reports unknown keys and lines without values", () => {
    const { config, problems } = parse("console-mode max\nsecure-boot-enroll manual\nfancy yes\ntimeout\n# timeout 9\n");
    expect(config.other).toEqual({ "console-mode": "max", "secure-boot-enroll": "manual" });
    expect(problems.map((p) => p.line)).toEqual([3, 4]);
    expect(config.timeout).toBeUndefined();
  });
  test("follows the shared grammar: quotes, no inline comments, CR line ends, NUL ends input", () => {
    const { config } = parse('default "fedora-*"\r\npreferred x # y\r\ntimeout 7\0timeout 9\n');
    expect(config.default).toBe("fedora-*");
    expect(config.preferred).toBe("x # y");
    expect(config.timeout).toBe(7);
  });
});
