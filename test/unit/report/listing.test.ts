import { beforeAll, describe, expect, test } from "bun:test";
import { discoverEntries, type Discovery } from "../../../src/bls/discover-entries.ts";
import { pickDefaultEntry } from "../../../src/bls/default-entry.ts";
import { toBootctlJson } from "../../../src/report/bootctl-json.ts";
import { formatEntriesText } from "../../../src/report/entries-text.ts";
import { inspectPeFile } from "../../../src/report/inspect-pe.ts";
import { addonCmdline } from "../../../src/report/listed-cmdline.ts";
import type { BootAddon } from "../../../src/model/boot-entry.ts";
import { NodeFs } from "../../../src/linux/node-fs.ts";
import { buildAddon, buildUki } from "../../support/uki-fixtures.ts";
import { ukiTree } from "../../support/esp-fixtures.ts";

let d: Discovery;
beforeAll(async () => {
  d = await discoverEntries(new NodeFs(), { esp: (await ukiTree()).esp, arch: "x64" });
}, 120_000);

describe("toBootctlJson()", () => {
  test("uses bootctl 262's field order and leaves unset fields out", () => {
    const [first] = toBootctlJson(d.entries, { defaultIndex: 0 });
    expect(Object.keys(first!)).toEqual([
      "type",
      "source",
      "id",
      "path",
      "root",
      "title",
      "showTitle",
      "sortKey",
      "version",
      "uname",
      "options",
      "linux",
      "profile",
      "isReported",
      "triesLeft",
      "triesDone",
      "isDefault",
      "addons",
      "cmdline",
      "extras",
    ]);
  });
  test("isReported follows LoaderEntries, ignoring case as ids do", () => {
    const json = toBootctlJson(d.entries, { reported: [d.entries[0]!.id.toUpperCase()] });
    expect(json.map((o) => o.isReported)).toEqual(d.entries.map((_, i) => i === 0));
  });
  test("leaves isDefault out when there is no default, and gives null addons when there are none", () => {
    const json = toBootctlJson(d.entries.map((e) => ({ ...e, addons: [] })));
    expect(json.every((o) => !("isDefault" in o) && o.addons === null)).toBe(true);
  });
});

describe("addonCmdline()", () => {
  const a = (cmdline?: string) => ({ cmdline }) as BootAddon;
  test.each([
    [["a", "b"], "a b"],
    [["a", "", "b"], "a  b"],
    [["", "a"], "a"],
    [[undefined, "a"], "a"],
    [["a", ""], "a"],
    [[], ""],
  ])("joins %p as %p", (pieces, expected) => {
    expect(addonCmdline(pieces.map((p) => a(p)))).toBe(expected);
  });
});

describe("formatEntriesText()", () => {
  test("prints one block per entry with markers, then one line per problem", () => {
    const def = pickDefaultEntry(d.entries, { loaderConfDefault: d.config.default, defaultVar: "acme-0.9.efi" });
    const text = formatEntriesText(d.entries, { defaultIndex: def.index, efiDefaultIndex: def.efiDefaultIndex, problems: d.problems });
    expect(text).toContain("       title: Acme OS (default, EFI variable default)");
    expect(text).toContain("       tries: 0 left, 2 done (bad)");
    const problemLines = text.split("\n").filter((l) => l.startsWith("  /"));
    expect(problemLines).toHaveLength(d.problems.length);
    expect(problemLines.find((l) => l.includes("nul-osrel.efi"))).toMatch(/nul-osrel\.efi: Cannot read section ".osrel"/);
  });
  test("says so when there are no entries", () => {
    expect(formatEntriesText([])).toBe("No boot loader entries found.\n");
  });
});

describe("inspectPeFile()", () => {
  test("describes a multi-profile UKI with its sections and profiles", async () => {
    const path = await buildUki({
      osRelease: 'ID=acme\nPRETTY_NAME="Acme OS"\n',
      cmdline: "quiet",
      profile: "ID=main",
      profiles: [{ profile: "ID=reset\nTITLE=Reset", cmdline: "reset" }],
    });
    const r = await inspectPeFile(new NodeFs(), path, { arch: "x64" });
    expect(r).toMatchObject({ kind: "uki", machine: "0x8664", arch: "x64", native: true, subsystem: 10, signed: false });
    const osrel = r.sections.find((x) => x.name === ".osrel")!;
    const text = 'ID=acme\nPRETTY_NAME="Acme OS"\n';
    expect([osrel.virtualSize, osrel.sha256]).toEqual([text.length, new Bun.CryptoHasher("sha256").update(text).digest("hex")]);
    expect(r.profiles!.map((p) => [p.profile, p.id, p.title, p.cmdline, p.name])).toEqual([
      [0, "main", undefined, "quiet", "Acme OS"],
      [1, "reset", "Reset", "reset", "Acme OS"],
    ]);
    expect(r.profiles![1]!.sections.map((s) => s.name)).toEqual([".linux", ".osrel", ".cmdline", ".uname", ".sbat", ".profile"]);
  });
  test("says what an add-on contributes", async () => {
    const r = await inspectPeFile(new NodeFs(), await buildAddon({ cmdline: "debug", uname: "6.12.0-fake", initrd: "x" }), { arch: "x64" });
    expect(r.kind).toBe("addon");
    expect(r.addon).toEqual({ usable: true, contributes: [".cmdline", ".initrd"], cmdline: "debug", uname: "6.12.0-fake" });
  });
});
