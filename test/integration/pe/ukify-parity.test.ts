/**
 * ukiboot's PE reader against `ukify inspect` on UKIs built by the real ukify 257 and systemd-stub, and the
 * TypeScript writer the unit suite uses (test/support/uki-writer.ts) against ukify from the same inputs.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { parsePe, type PeImage } from "../../../src/pe/pe.ts";
import { classifyPe, effectiveSections, profileCount } from "../../../src/pe/uki.ts";
import { inspectPeFile } from "../../../src/report/inspect-pe.ts";
import { NodeFs } from "../../../src/linux/node-fs.ts";
import * as written from "../../support/uki-fixtures.ts";
import { buildUki, fixtureBytes, ukifyInspect } from "../support/ukify-fixtures.ts";

let ukiPath: string;
let uki: Uint8Array;
let pe: PeImage;

beforeAll(async () => {
  ukiPath = await buildUki({ osRelease: 'ID=acme\nPRETTY_NAME="Acme OS"\n', cmdline: "quiet splash", initrd: "initrd-bytes" });
  uki = fixtureBytes(ukiPath);
  pe = parsePe(uki, { source: ukiPath });
}, 60_000);

describe("parsePe() on a UKI built by ukify 257", () => {
  test("finds the same sections, sizes and offsets as ukify inspect", async () => {
    const ref = await ukifyInspect(ukiPath);
    for (const name of [".osrel", ".cmdline", ".uname", ".initrd", ".linux", ".sbat"]) {
      const s = pe.sections.find((x) => x.name === name)!;
      expect([name, s.virtualSize]).toEqual([name, ref[name]!.size]);
      const data = uki.subarray(s.fileOffset, s.fileOffset + s.fileSize);
      expect([name, new Bun.CryptoHasher("sha256").update(data).digest("hex")]).toEqual([name, ref[name]!.sha256]);
    }
  });
});

describe("inspectPeFile()", () => {
  test("describes a multi-profile UKI with the sizes and hashes ukify reports", async () => {
    const path = await buildUki({
      osRelease: 'ID=acme\nPRETTY_NAME="Acme OS"\n',
      cmdline: "quiet",
      profile: "ID=main",
      profiles: [{ profile: "ID=reset\nTITLE=Reset", cmdline: "reset" }],
    });
    const r = await inspectPeFile(new NodeFs(), path, { arch: "x64" });
    expect(r).toMatchObject({ kind: "uki", machine: "0x8664", arch: "x64", native: true, subsystem: 10, signed: false });
    const ref = await ukifyInspect(path);
    for (const name of [".osrel", ".linux", ".sbat", ".uname"]) {
      const s = r.sections.find((x) => x.name === name)!;
      expect([name, s.virtualSize, s.sha256]).toEqual([name, ref[name]!.size, ref[name]!.sha256]);
    }
    expect(r.profiles!.map((p) => [p.profile, p.id, p.title, p.cmdline, p.name])).toEqual([
      [0, "main", undefined, "quiet", "Acme OS"],
      [1, "reset", "Reset", "reset", "Acme OS"],
    ]);
    expect(r.profiles![1]!.sections.map((s) => s.name)).toEqual([".linux", ".osrel", ".cmdline", ".uname", ".sbat", ".profile"]);
  });
});

describe("the unit suite's UKI writer, against ukify from the same inputs", () => {
  const spec = {
    osRelease: 'ID=acme\nPRETTY_NAME="Acme OS"\n',
    cmdline: "quiet",
    uname: "6.12.0-acme",
    initrd: "initrd-bytes",
    profile: "ID=main",
    profiles: [{ profile: "ID=reset\nTITLE=Reset", cmdline: "reset" }],
  };
  test("both give the same profiles, and in each the same UKI sections with the same bytes", async () => {
    const ours = parsePe(written.fixtureBytes(await written.buildUki(spec)), { source: "written" });
    const theirs = parsePe(fixtureBytes(await buildUki(spec)), { source: "ukify" });
    const ourBytes = written.fixtureBytes(await written.buildUki(spec));
    const theirBytes = fixtureBytes(await buildUki(spec));
    expect([classifyPe(ours), profileCount(ours)]).toEqual([classifyPe(theirs), profileCount(theirs)]);
    for (let k = 0; k < profileCount(theirs); k++) {
      const view = (p: PeImage, b: Uint8Array) =>
        Object.entries(effectiveSections(p, k).byName)
          .filter(([name]) => name !== ".sbat")
          .map(([name, s]) => [name, new Bun.CryptoHasher("sha256").update(b.subarray(s.fileOffset, s.fileOffset + s.fileSize)).digest("hex")]);
      expect(view(ours, ourBytes)).toEqual(view(theirs, theirBytes));
    }
  }, 60_000);
  test("both are PE32+ EFI applications for x64", async () => {
    const ours = parsePe(written.fixtureBytes(await written.buildUki(spec)), { source: "written" });
    expect([ours.machine, ours.optionalHeaderMagic, ours.subsystem]).toEqual([pe.machine, pe.optionalHeaderMagic, pe.subsystem]);
  });
});
