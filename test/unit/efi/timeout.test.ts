import { expect, test } from "bun:test";
import { parseTimeout, resolveTimeout, showsMenu } from "../../../src/efi/timeout.ts";

test.each([
  ["5", 5],
  ["0", 0],
  ["menu-force", "menu-force"],
  ["menu-hidden", "menu-hidden"],
  ["menu-disabled", "menu-disabled"],
  ["99999999999", 0xfffffffd],
  ["-1", undefined],
  ["5s", undefined],
  ["", undefined],
] as const)("parseTimeout(%p) = %p", (text, expected) => {
  expect(parseTimeout(text)).toBe(expected);
});

test("resolveTimeout() lets each later source replace the earlier one", () => {
  expect(resolveTimeout({})).toMatchObject({ timeout: 0, source: "default", forceMenu: false });
  expect(resolveTimeout({ loaderConf: 5 })).toMatchObject({ timeout: 5, source: "loader.conf" });
  expect(resolveTimeout({ loaderConf: 5, efiVar: "menu-hidden" })).toMatchObject({ timeout: "menu-hidden", source: "LoaderConfigTimeout" });
  expect(resolveTimeout({ loaderConf: 5, efiVar: "3", kernelOption: "1" })).toMatchObject({ timeout: 1, source: "ukiboot.timeout" });
});

test("resolveTimeout() always shows the menu for a one-shot timeout, even 0", () => {
  const r = resolveTimeout({ loaderConf: "menu-disabled", oneShotVar: "0" });
  expect(r).toMatchObject({ timeout: 0, forceMenu: true, source: "LoaderConfigTimeoutOneShot" });
  expect(showsMenu(r)).toBe(true);
});

test("resolveTimeout() ignores invalid values and says so", () => {
  const r = resolveTimeout({ loaderConf: 4, efiVar: "soon" });
  expect(r).toMatchObject({ timeout: 4, source: "loader.conf", ignored: ['LoaderConfigTimeout="soon"'] });
});

test("showsMenu() hides the menu for 0, menu-hidden and menu-disabled unless forced", () => {
  expect(showsMenu(resolveTimeout({ loaderConf: 0 }))).toBe(false);
  expect(showsMenu(resolveTimeout({ loaderConf: "menu-hidden" }))).toBe(false);
  expect(showsMenu(resolveTimeout({ loaderConf: "menu-disabled" }))).toBe(false);
  expect(showsMenu(resolveTimeout({ loaderConf: "menu-force" }))).toBe(true);
  expect(showsMenu(resolveTimeout({ loaderConf: 2 }))).toBe(true);
});
