import { describe, expect, test } from "bun:test";
import { parseType1Entry, toLoaderPath } from "../../../src/bls/type1-entry.ts";

const parse = (text: string) => parseType1Entry(text, { source: "e.conf", arch: "x64" });

describe("parseType1Entry()", () => {
  test("reads a Fedora-style entry written by kernel-install", () => {
    const { entry, problems } = parse(
      [
        "title Fedora Linux (6.10.2-200.fc40.x86_64) 40 (Workstation Edition)",
        "version 6.10.2-200.fc40.x86_64",
        "linux /vmlinuz-6.10.2-200.fc40.x86_64",
        "initrd /initramfs-6.10.2-200.fc40.x86_64.img",
        "options root=UUID=1234 ro rhgb quiet",
        "grub_users $grub_users",
        "grub_arg --unrestricted",
        "grub_class fedora",
      ].join("\n"),
    );
    expect(problems).toEqual([]);
    expect(entry).toEqual({
      title: "Fedora Linux (6.10.2-200.fc40.x86_64) 40 (Workstation Edition)",
      version: "6.10.2-200.fc40.x86_64",
      loader: "linux",
      loaderPath: "\\vmlinuz-6.10.2-200.fc40.x86_64",
      initrds: ["\\initramfs-6.10.2-200.fc40.x86_64.img"],
      options: "root=UUID=1234 ro rhgb quiet",
      extras: [],
    });
  });
  test("keeps initrd order and joins options lines with one space", () => {
    const { entry } = parse("linux /vmlinuz\ninitrd /intel-ucode.img\noptions root=/dev/sda2\ninitrd /initramfs-linux.img\noptions   rw quiet\n");
    expect(entry!.initrds).toEqual(["\\intel-ucode.img", "\\initramfs-linux.img"]);
    expect(entry!.options).toBe("root=/dev/sda2 rw quiet");
  });
  test("removes one pair of quotes, as systemd-boot does (bootctl keeps them)", () => {
    expect(parse('title "Arch Linux"\nlinux /v\noptions "quiet"\n').entry).toMatchObject({ title: "Arch Linux", options: "quiet" });
  });
  test.each([
    ["no loader line", "title x\n"],
    ["linux and efi", "linux /a\nefi /b\n"],
    ["two linux lines", "linux /a\nlinux /b\n"],
    ["a foreign architecture", "linux /a\narchitecture aa64\n"],
    ["uki and uki-url", "uki /a.efi\nuki-url http://example.invalid/x.efi\n"],
  ])("drops an entry with %s, with one error", (_n, text) => {
    const { entry, problems } = parse(text);
    expect(entry).toBeUndefined();
    expect(problems.filter((p) => p.severity === "error")).toHaveLength(1);
    expect(problems[0]!.file).toBe("e.conf");
  });
  test("reads uki-url as written, with its profile; initrd and extra lines do not apply to it", () => {
    const { entry, problems } = parse("title Net\nuki-url :os.efi\nprofile 1\ninitrd /i\nextra /x.cred\noptions quiet\n");
    expect(entry).toMatchObject({ loader: "uki-url", url: ":os.efi", profile: 1, initrds: [], extras: [], options: "quiet" });
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [5, 'Ignoring "extra /x.cred": extras apply only to "uki" entries'],
      [2, 'Ignoring the initrd lines: they apply only to "linux" entries, not to "uki-url"'],
    ]);
  });
  test("accepts the native architecture in any case", () => {
    expect(parse("linux /a\narchitecture X64\n").entry?.architecture).toBe("X64");
  });
  test("reports lines without values and repeated single keys, naming the line", () => {
    const { entry, problems } = parse("title A\nlinux /a\ntitle B\noptions\n");
    expect(entry!.title).toBe("B");
    expect(problems.map((p) => [p.line, p.severity])).toEqual([
      [4, "warning"],
      [1, "warning"],
    ]);
  });
  test("reads uki with profile, and ignores initrd for it", () => {
    const { entry, problems } = parse("uki /EFI/Linux/multi.efi\nprofile 2\ninitrd /x\n");
    expect(entry).toMatchObject({ loader: "uki", loaderPath: "\\EFI\\Linux\\multi.efi", profile: 2, initrds: [] });
    expect(problems).toHaveLength(1);
  });
  test("reads extra lines in order, with their line numbers and kinds (systemd-boot 262)", () => {
    const { entry, problems } = parse("uki /acme/img.efi\nextra /acme/a.cred\nextra acme//b.SYSEXT.raw\nextra /acme/c.confext.raw\n");
    expect(problems).toEqual([]);
    expect(entry!.extras).toEqual([
      { line: 2, loaderPath: "\\acme\\a.cred", kind: "credential" },
      { line: 3, loaderPath: "\\acme\\b.SYSEXT.raw", kind: "sysext" },
      { line: 4, loaderPath: "\\acme\\c.confext.raw", kind: "confext" },
    ]);
  });
  test("an extra line is one path, spaces included, as systemd-boot reads it", () => {
    expect(parse("uki /a.efi\nextra /x y.cred\n").entry!.extras).toEqual([{ line: 2, loaderPath: "\\x y.cred", kind: "credential" }]);
  });
  test("an extra with an unknown suffix, an add-on, or on a linux entry is ignored with a note naming the line", () => {
    const { entry, problems } = parse("uki /a.efi\nextra /x.raw\nextra /y.addon.efi\n");
    expect(entry!.extras).toEqual([]);
    expect(problems.map((p) => [p.line, p.severity, p.message])).toEqual([
      [2, "warning", 'Ignoring "extra /x.raw": only .cred, .sysext.raw and .confext.raw files can be extras'],
      [3, "warning", 'Ignoring "extra /y.addon.efi": only .cred, .sysext.raw and .confext.raw files can be extras'],
    ]);
    const linux = parse("linux /vmlinuz\nextra /x.cred\n");
    expect(linux.entry!.extras).toEqual([]);
    expect(linux.problems.map((p) => [p.line, p.message])).toEqual([[2, 'Ignoring "extra /x.cred": extras apply only to "uki" entries']]);
  });
  test("a path that leaves the partition is refused with its line", () => {
    const { entry, problems } = parse("uki /../other/a.efi\n");
    expect(entry).toBeUndefined();
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [1, 'Cannot use entry: the uki path "/../other/a.efi" leaves the partition (it has a ".." component)'],
    ]);
    const extra = parse("uki /a.efi\nextra /acme/../../x.cred\n");
    expect(extra.entry!.extras).toEqual([]);
    expect(extra.problems.map((p) => [p.line, p.message])).toEqual([
      [2, 'Ignoring "extra /acme/../../x.cred": the path leaves the partition (it has a ".." component)'],
    ]);
  });
  test("remembers the line of profile, for a profile the UKI does not have", () => {
    expect(parse("uki /a.efi\n\nprofile 3\n").entry).toMatchObject({ profile: 3, profileLine: 3 });
  });
  test("ignores profile on a linux entry and a non-numeric profile", () => {
    expect(parse("linux /a\nprofile 1\n").entry!.profile).toBeUndefined();
    expect(parse("uki /a\nprofile one\n").entry!.profile).toBeUndefined();
  });
});

describe("toLoaderPath()", () => {
  test.each([
    ["/vmlinuz", "\\vmlinuz"],
    ["vmlinuz", "\\vmlinuz"],
    ["//a//b///c", "\\a\\b\\c"],
    ["\\EFI\\\\Linux\\x.efi", "\\EFI\\Linux\\x.efi"],
  ])("converts %p to %p", (a, b) => expect(toLoaderPath(a)).toBe(b));
});
