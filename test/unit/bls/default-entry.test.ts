import { describe, expect, test } from "bun:test";
import { lastBootedAction, pickDefaultEntry } from "../../../src/bls/default-entry.ts";

const entries = ["arch.efi", "fedora-6.10.2.conf", "fedora-6.9.1.conf", "multi.efi", "multi.efi@factory-reset", "legacy-5.4.conf"].map((id) => ({
  id,
  triesLeft: -1,
}));

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
  test("the default settings may pick an entry with no tries left, as systemd-boot does (#31215)", () => {
    const c = pickDefaultEntry(
      [
        { id: "good.conf", triesLeft: 1 },
        { id: "bad.conf", triesLeft: 0 },
      ],
      { loaderConfDefault: "bad.conf" },
    );
    expect(c.index).toBe(1);
  });
  test("nothing set, first entry a profile > 0: the first profile 0 is the default, as systemd-boot 262 never picks another by itself", () => {
    const c = pickDefaultEntry(
      [
        { id: "a@1.conf", triesLeft: -1, profile: 1 },
        { id: "b.conf", triesLeft: -1 },
      ],
      {},
    );
    expect(c).toEqual({ index: 1, reason: "first" });
  });
  test("returns no index for an empty list", () => {
    expect(pickDefaultEntry([], { loaderConfDefault: "*" })).toEqual({});
  });
});

/**
 * systemd-boot 262's precedence (docs/order-and-default.md §5) over every combination of a one-shot, a preferred
 * variable, a preferred loader.conf setting and a default, each naming a good entry, a bad one (no tries left)
 * or nothing, with and without a system failure.
 */
describe("pickDefaultEntry() with preferred and SysFail (systemd-boot 262)", () => {
  // good-a is counted with tries left; bad-b has none left; c is not counted; sysfail.conf is the fallback.
  const list = [
    { id: "good-a.conf", triesLeft: 2 },
    { id: "c.conf", triesLeft: -1 },
    { id: "sysfail.conf", triesLeft: -1 },
    { id: "bad-b.conf", triesLeft: 0 },
  ];
  const GOOD = 0;
  const BAD = 3;
  type Target = "good" | "bad" | "none" | undefined;
  const name = (t: Target) => (t === "good" ? "good-a.conf" : t === "bad" ? "bad-b.conf" : t === "none" ? "gone.conf" : undefined);
  const index = (t: Target) => (t === "good" ? GOOD : t === "bad" ? BAD : undefined);
  const targets: Target[] = [undefined, "good", "bad", "none"];

  /** The rule, written out once from the Boot Loader Interface text and systemd-boot 262's config_select_default_entry(). */
  function expected(i: { sysFailed: boolean; oneShot: Target; preferredVar: Target; preferredConf: Target; defaultVar: Target }): [number, string] {
    if (i.sysFailed) return [2, "sysfail"];
    if (index(i.oneShot) !== undefined) return [index(i.oneShot)!, "oneshot"];
    if (i.preferredVar === "good") return [GOOD, "efi-preferred"];
    if (i.preferredConf === "good") return [GOOD, "loader.conf-preferred"];
    if (index(i.defaultVar) !== undefined) return [index(i.defaultVar)!, "efi-default"];
    return [1, "loader.conf"];
  }

  for (const sysFailed of [false, true])
    for (const oneShot of targets)
      for (const preferredVar of targets)
        for (const preferredConf of targets)
          for (const defaultVar of targets) {
            const i = { sysFailed, oneShot, preferredVar, preferredConf, defaultVar };
            const label = Object.entries(i)
              .map(([k, v]) => `${k}=${v ?? "-"}`)
              .join(" ");
            test(label, () => {
              const inputs = {
                sysFailed,
                sysFail: "sysfail.conf",
                ...(name(oneShot) ? { oneShot: name(oneShot)! } : {}),
                ...(name(preferredVar) ? { preferredVar: name(preferredVar)! } : {}),
                ...(name(preferredConf) ? { loaderConfPreferred: name(preferredConf)! } : {}),
                ...(name(defaultVar) ? { defaultVar: name(defaultVar)! } : {}),
                loaderConfDefault: "c.conf",
              };
              const c = pickDefaultEntry(list, inputs);
              expect([c.index, c.reason] as unknown[]).toEqual(expected(i));
            });
          }

  test("a preferred glob skips the bad entry and takes the next match", () => {
    const c = pickDefaultEntry(
      [
        { id: "os-2.conf", triesLeft: 0 },
        { id: "os-1.conf", triesLeft: 3 },
      ],
      { preferredVar: "os-*" },
    );
    expect(c).toEqual({ index: 1, reason: "efi-preferred", efiDefaultIndex: 1 });
  });
  test("@saved as preferred uses LoaderEntryLastBooted, still skipping a bad entry", () => {
    const two = [
      { id: "a.conf", triesLeft: 0 },
      { id: "b.conf", triesLeft: -1 },
    ];
    expect(pickDefaultEntry(two, { preferredVar: "@saved", lastBooted: "b.conf" }).index).toBe(1);
    expect(pickDefaultEntry(two, { loaderConfPreferred: "@saved", lastBooted: "a.conf" })).toEqual({ index: 0, reason: "first" });
  });
  test("LoaderEntrySysFail naming no entry falls through to the one-shot", () => {
    expect(pickDefaultEntry(list, { sysFailed: true, sysFail: "gone.conf", oneShot: "c.conf" }).reason).toBe("oneshot");
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
