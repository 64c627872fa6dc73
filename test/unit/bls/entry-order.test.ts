import { describe, expect, test } from "bun:test";
import { compareBootEntries, sortBootEntries, type OrderFields } from "../../../src/bls/entry-order.ts";

const e = (id: string, more: Partial<OrderFields> = {}): OrderFields => ({ id, triesLeft: -1, triesDone: -1, ...more });

describe("compareBootEntries()", () => {
  test("sorts the spec's example (docs/order-and-default.md §2) into its stated order", () => {
    const entries = [
      e("legacy-5.4.conf"),
      e("fedora-6.11.0.conf", { sortKey: "fedora", version: "6.11.0", triesLeft: 0, triesDone: 3 }),
      e("fedora-6.9.1.conf", { sortKey: "fedora", version: "6.9.1" }),
      e("legacy-5.10.conf"),
      e("arch.efi", { sortKey: "arch" }),
      e("fedora-6.10.2.conf", { sortKey: "fedora", version: "6.10.2" }),
    ];
    expect(sortBootEntries(entries).map((x) => x.id)).toEqual([
      "arch.efi", // sort-key "arch" < "fedora"
      "fedora-6.10.2.conf", // same sort-key: newest version first
      "fedora-6.9.1.conf",
      "legacy-5.10.conf", // no sort-key: ids newest first
      "legacy-5.4.conf",
      "fedora-6.11.0.conf", // no tries left: last despite its sort-key
    ]);
  });
  test("puts entries with no tries left last", () => {
    expect(compareBootEntries(e("a", { triesLeft: 0, triesDone: 1 }), e("b"))).toBeGreaterThan(0);
    expect(compareBootEntries(e("a", { triesLeft: 1, triesDone: 0 }), e("b"))).toBeGreaterThan(0); // b > a by id; tries do not matter here
  });
  test("orders machine-id ascending, undefined first, within one sort-key", () => {
    const s = sortBootEntries([e("x", { sortKey: "k", machineId: "b" }), e("y", { sortKey: "k", machineId: "a" }), e("z", { sortKey: "k" })]);
    expect(s.map((x) => x.id)).toEqual(["z", "y", "x"]);
  });
  test("orders profiles of one UKI ascending, with @0 first through stability", () => {
    // @0 has no idWithoutProfile and so ties with every @k; profiles > 0 compare by number.
    expect(
      compareBootEntries(e("m.efi@2", { idWithoutProfile: "m.efi", profile: 2 }), e("m.efi@b", { idWithoutProfile: "m.efi", profile: 1 })),
    ).toBeGreaterThan(0);
    expect(compareBootEntries(e("m.efi", { profile: 0 }), e("m.efi@2", { idWithoutProfile: "m.efi", profile: 2 }))).toBe(0);
    const inOrder = sortBootEntries([
      e("m.efi", { profile: 0 }),
      e("m.efi@b", { idWithoutProfile: "m.efi", profile: 1 }),
      e("m.efi@2", { idWithoutProfile: "m.efi", profile: 2 }),
    ]);
    expect(inOrder.map((x) => x.id)).toEqual(["m.efi", "m.efi@b", "m.efi@2"]);
  });
  test("breaks ties between counted copies by more tries left, then fewer done", () => {
    const s = sortBootEntries([
      e("a.efi", { triesLeft: 1, triesDone: 2 }),
      e("a.efi", { triesLeft: 3, triesDone: 5 }),
      e("a.efi", { triesLeft: 3, triesDone: 0 }),
    ]);
    expect(s.map((x) => [x.triesLeft, x.triesDone])).toEqual([
      [3, 0],
      [3, 5],
      [1, 2],
    ]);
  });
  test("treats an uncounted and a counted copy as equal (stable order)", () => {
    expect(compareBootEntries(e("a.efi"), e("a.efi", { triesLeft: 2, triesDone: 0 }))).toBe(0);
  });
  test("compares ids with the version comparison, newest first", () => {
    expect(sortBootEntries([e("linux-6.9.conf"), e("linux-6.10.conf")]).map((x) => x.id)).toEqual(["linux-6.10.conf", "linux-6.9.conf"]);
  });
});
