import { describe, expect, test } from "bun:test";
import { lastBootedAction, pickDefaultEntry } from "../../../src/bls/default-entry.ts";

const entries = ["arch.efi", "fedora-6.10.2.conf", "fedora-6.9.1.conf", "multi.efi", "multi.efi@factory-reset", "legacy-5.4.conf"].map((id) => ({ id }));

describe("pickDefaultEntry()", () => {
  // [inputs, expected index, expected reason, expected EFI-variable default]
  const table: [string, Parameters<typeof pickDefaultEntry>[1], number | undefined, string | undefined, number | undefined][] = [
    ["nothing set: the first entry", {}, 0, "first", undefined],
    ["loader.conf glob", { loaderConfDefault: "fedora-*" }, 1, "loader.conf", undefined],
    ["loader.conf glob is case-insensitive", { loaderConfDefault: "FEDORA-6.9*" }, 2, "loader.conf", undefined],
    ["loader.conf id without suffix does not match", { loaderConfDefault: "arch" }, 0, "first", undefined],
    ["profile glob", { loaderConfDefault: "*@factory-reset" }, 4, "loader.conf", undefined],
    ["EFI default beats loader.conf", { defaultVar: "legacy-*", loaderConfDefault: "fedora-*" }, 5, "efi-default", 5],
    ["one-shot beats EFI default", { oneShot: "multi.efi", defaultVar: "legacy-*" }, 3, "oneshot", 5],
    ["unmatched one-shot falls through", { oneShot: "gone.conf", defaultVar: "legacy-*" }, 5, "efi-default", 5],
    ["@saved variable uses LastBooted", { defaultVar: "@saved", lastBooted: "fedora-6.9.1.conf" }, 2, "efi-default", 2],
    ["@saved in loader.conf uses LastBooted", { loaderConfDefault: "@saved", lastBooted: "multi.efi" }, 3, "loader.conf", undefined],
    ["@saved in both, LastBooted gone: first", { defaultVar: "@SAVED", loaderConfDefault: "@saved", lastBooted: "gone" }, 0, "first", undefined],
    ["unmatched EFI default falls to loader.conf", { defaultVar: "nope", loaderConfDefault: "multi.efi" }, 3, "loader.conf", undefined],
  ];
  test.each(table)("%s", (_name, inputs, index, reason, efiDefault) => {
    const c = pickDefaultEntry(entries, inputs);
    expect(c.index).toBe(index);
    expect(c.reason).toBe(reason as never);
    expect(c.efiDefaultIndex).toBe(efiDefault);
  });
  test("may pick an entry with no tries left, as systemd-boot 257 does (#31215)", () => {
    const c = pickDefaultEntry([{ id: "good.conf" }, { id: "bad.conf" }], { loaderConfDefault: "bad.conf" });
    expect(c.index).toBe(1);
  });
  test("returns no index for an empty list", () => {
    expect(pickDefaultEntry([], { loaderConfDefault: "*" })).toEqual({});
  });
});

describe("lastBootedAction()", () => {
  test.each([
    ["one-shot boot keeps it", "a", { oneShot: "a", defaultVar: "@saved", lastBooted: "b" }, { kind: "keep" }],
    ["@saved variable writes it", "a", { defaultVar: "@saved", lastBooted: "b" }, { kind: "write", id: "a" }],
    ["@saved variable, same id: nothing", "a", { defaultVar: "@saved", lastBooted: "a" }, { kind: "keep" }],
    ["@saved loader.conf, no variable: writes", "a", { loaderConfDefault: "@saved" }, { kind: "write", id: "a" }],
    ["@saved loader.conf but a variable default: deletes", "a", { defaultVar: "x", loaderConfDefault: "@saved", lastBooted: "b" }, { kind: "delete" }],
    ["no @saved anywhere: deletes a stale value", "a", { lastBooted: "b" }, { kind: "delete" }],
    ["no @saved and no value: nothing", "a", {}, { kind: "keep" }],
  ] as const)("%s", (_n, id, inputs, expected) => {
    expect(lastBootedAction(id, inputs)).toEqual(expected);
  });
});
