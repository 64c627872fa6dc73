import { describe, expect, test } from "bun:test";
import { uniqueTitles } from "../../../src/bls/titles.ts";

describe("uniqueTitles()", () => {
  test("uses the id when there is no title", () => {
    expect(uniqueTitles([{ id: "a.conf" }, { id: "b.conf", title: "B" }])).toEqual(["a.conf", "B"]);
  });
  test("appends the version to duplicated titles", () => {
    expect(
      uniqueTitles([
        { id: "a.conf", title: "Fedora", version: "6.9" },
        { id: "b.conf", title: "Fedora", version: "6.10" },
        { id: "c.conf", title: "Other", version: "1" },
      ]),
    ).toEqual(["Fedora (6.9)", "Fedora (6.10)", "Other"]);
  });
  test("then the first 8 characters of the machine-id, then the id", () => {
    const t = uniqueTitles([
      { id: "a.conf", title: "Linux", version: "1", machineId: "0123456789abcdef0123456789abcdef" },
      { id: "b.conf", title: "Linux", version: "1", machineId: "fedcba9876543210fedcba9876543210" },
      { id: "c.conf", title: "Linux", version: "2" },
      { id: "d.conf", title: "Linux" },
      { id: "e.conf", title: "Linux" },
    ]);
    expect(t).toEqual(["Linux (1) (01234567)", "Linux (1) (fedcba98)", "Linux (2)", "Linux (d.conf)", "Linux (e.conf)"]);
  });
  test("recomputes duplicates after each step: only still-duplicated titles get the next suffix", () => {
    const t = uniqueTitles([
      { id: "a.conf", title: "X", version: "1", machineId: "aaaaaaaa11" },
      { id: "b.conf", title: "X", version: "1", machineId: "bbbbbbbb22" },
      { id: "c.conf", title: "X", version: "2", machineId: "cccccccc33" },
    ]);
    expect(t).toEqual(["X (1) (aaaaaaaa)", "X (1) (bbbbbbbb)", "X (2)"]);
  });
  test("compares titles case-sensitively", () => {
    expect(
      uniqueTitles([
        { id: "a", title: "Arch", version: "1" },
        { id: "b", title: "arch", version: "2" },
      ]),
    ).toEqual(["Arch", "arch"]);
  });
});
