import { describe, expect, test } from "bun:test";
import { bytesSource, materializeSource } from "../../../src/bytes/byte-source.ts";
import { writeNewcArchive } from "../../../src/initrd/cpio-newc.ts";
import { planType1Initrd, planType2Initrd } from "../../../src/initrd/initrd-order.ts";

const enc = new TextEncoder();
const s = (t: string) => bytesSource(enc.encode(t));

describe("planType2Initrd()", () => {
  test("orders every piece as systemd-stub 262 does", () => {
    const members = planType2Initrd({
      entryExtras: { credential: s("entry-cred"), sysext: s("entry-sysext"), confext: s("entry-confext") },
      origin: "\\EFI\\Linux\\x.efi",
      addons: [
        { name: "a.addon.efi", ucode: s("ucode-a"), initrd: s("initrd-a") },
        { name: "b.addon.efi", ucode: s("ucode-b") },
        { name: "c.addon.efi", initrd: s("initrd-c") },
      ],
      ucode: s("uki-ucode"),
      initrd: s("uki-initrd"),
      credentials: s("cred-cpio"),
      globalCredentials: s("gcred-cpio"),
      sysext: s("sysext-cpio"),
      confext: s("confext-cpio"),
      pcrsig: s("{}"),
      pcrpkey: s("PEM"),
      osrel: s("ID=x"),
      profile: s("ID=p"),
    });
    expect(members.map((m) => [m.kind, m.origin ?? null])).toEqual([
      // Add-on microcode in reverse load order: the early loader takes the first match, so later add-ons win.
      ["addon-ucode", "b.addon.efi"],
      ["addon-ucode", "a.addon.efi"],
      ["ucode", "\\EFI\\Linux\\x.efi"],
      // systemd-boot's archives of a Type #1 entry's extras: the initrd registered before the stub ran.
      ["entry-credentials", null],
      ["entry-sysext", null],
      ["entry-confext", null],
      ["initrd", "\\EFI\\Linux\\x.efi"],
      ["credentials", null],
      ["global-credentials", null],
      ["sysext", null],
      ["confext", null],
      ["pcrsig", "\\EFI\\Linux\\x.efi"],
      ["pcrpkey", "\\EFI\\Linux\\x.efi"],
      ["osrel", "\\EFI\\Linux\\x.efi"],
      ["profile", "\\EFI\\Linux\\x.efi"],
      // Add-on initrds in load order, last.
      ["addon-initrd", "a.addon.efi"],
      ["addon-initrd", "c.addon.efi"],
    ]);
  });

  test("wraps the section literals into /.extra archives with the stub's file names", () => {
    const [m] = planType2Initrd({ osrel: s("ID=debian\n") });
    expect(m!.kind).toBe("osrel");
    expect(materializeSource(m!.source)).toEqual(
      writeNewcArchive({ target: ".extra", dirMode: 0o555, fileMode: 0o444, files: [{ name: "os-release", bytes: enc.encode("ID=debian\n") }] }),
    );
    const names = planType2Initrd({ pcrsig: s("a"), pcrpkey: s("b"), profile: s("c") }).map(
      (p) => new TextDecoder().decode(materializeSource(p.source)).match(/\.extra\/[a-z0-9.-]+/)![0],
    );
    expect(names).toEqual([".extra/tpm2-pcr-signature.json", ".extra/tpm2-pcr-public-key.pem", ".extra/profile"]);
  });

  test("leaves out absent and empty pieces", () => {
    expect(planType2Initrd({ initrd: s(""), ucode: null, osrel: s(""), addons: [{ name: "x.addon.efi", ucode: null, initrd: s("") }] })).toEqual([]);
  });

  test("places [≥258] global sysext and confext after their local archives when given", () => {
    const kinds = planType2Initrd({ sysext: s("1"), globalSysext: s("2"), confext: s("3"), globalConfext: s("4") }).map((m) => m.kind);
    expect(kinds).toEqual(["sysext", "global-sysext", "confext", "global-confext"]);
  });
});

describe("planType1Initrd()", () => {
  test("keeps the listed order", () => {
    expect(
      planType1Initrd([
        { path: "/b", source: s("b") },
        { path: "/a", source: s("a") },
      ]).map((m) => m.origin),
    ).toEqual(["/b", "/a"]);
  });
});
