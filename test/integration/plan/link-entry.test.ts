/**
 * A Type #1 `uki` entry written by systemd 262's `bootctl link`, planned as systemd-boot and systemd-stub 262
 * would hand it to the kernel (docs/entries.md §6, docs/initrd.md §3-4, docs/measurements.md §2): the extras as
 * systemd-boot's archives between the UKI's .ucode and .initrd, measured by systemd-boot first; and the bad
 * inputs, each one line naming the file and line while the rest still lists.
 */
import { describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { discoverEntries } from "../../../src/bls/discover-entries.ts";
import { formatProblem } from "../../../src/model/problem.ts";
import { createSourceReader } from "../../../src/bytes/byte-source.ts";
import { listNewcArchive } from "../../../src/initrd/list-archive.ts";
import { NodeFs } from "../../../src/linux/node-fs.ts";
import { buildPlan } from "../../../src/plan/build-plan.ts";
import { measurementInputs } from "../../../src/flow/measure-boot.ts";
import { planMeasurements } from "../../../src/tpm/measurements.ts";
import { fakeSys, readSource } from "../../support/fake-sys.ts";
import { linkTree, mixedTree } from "../support/bootctl-trees.ts";

const fs = new NodeFs();
/** Neither Secure Boot nor enforce: the entry's options are the line, as the profile's test expects. */
const OFF = { mode: "off", secureBoot: false } as const;

describe("a bootctl link entry with extras", () => {
  test("is listed with its extras in line order", async () => {
    const { esp } = await linkTree();
    const d = await discoverEntries(fs, { esp, arch: "x64" });
    const e = d.entries.find((x) => x.id === "acme-commit_1.1.0@1.conf")!;
    expect(e.kind).toBe("type1-uki");
    if (e.kind !== "type1-uki") return;
    expect(e.profile).toBe(1);
    expect(e.extras.map((x) => [x.loaderPath, x.kind, x.fileName])).toEqual([
      ["\\acme\\a.cred", "credential", "a.cred"],
      ["\\acme\\b.sysext.raw", "sysext", "b.sysext.raw"],
      ["\\acme\\c.confext.raw", "confext", "c.confext.raw"],
    ]);
    expect(d.problems).toEqual([]);
  });

  test("plans the extras between the UKI's .ucode and .initrd, and the profile's line", async () => {
    const { esp } = await mixedTree();
    const d = await discoverEntries(fs, { esp, arch: "x64" });
    const e = d.entries.find((x) => x.id === "acme-commit_1.1.0@1.conf")!;
    const plan = await buildPlan(fs, e, { trust: OFF });
    expect(plan.cmdline).toBe("root=/dev/vda2 factory-reset");
    expect(plan.initrd.members.map((m) => m.member.kind)).toEqual([
      "entry-credentials",
      "entry-sysext",
      "entry-confext",
      "global-credentials",
      "global-sysext",
      "global-confext",
      "osrel",
      "profile",
    ]);
    const names = async (kind: string) => {
      const m = plan.initrd.members.find((x) => x.member.kind === kind)!;
      return (await listNewcArchive(readSource(m.member.source))).entries.map((x) => `${x.ino} ${x.name}`);
    };
    // One inode counter over systemd-boot's three archives; the stub's own archives start again at 1.
    expect(await names("entry-credentials")).toEqual(["1 .extra", "2 .extra/credentials", "3 .extra/credentials/a.cred"]);
    expect(await names("entry-sysext")).toEqual(["4 .extra", "5 .extra/sysext", "6 .extra/sysext/b.sysext.raw"]);
    expect(await names("entry-confext")).toEqual(["7 .extra", "8 .extra/confext", "9 .extra/confext/c.confext.raw"]);
    expect(await names("global-sysext")).toEqual(["1 .extra", "2 .extra/global_sysext", "3 .extra/global_sysext/tools.sysext.raw"]);
  });

  test("systemd-boot measures the extras before the load options, the firmware the UKI as it starts; the stub's measurements follow", async () => {
    const { esp } = await mixedTree();
    const d = await discoverEntries(fs, { esp, arch: "x64" });
    const plan = await buildPlan(fs, d.entries.find((x) => x.id === "acme-commit_1.1.0@1.conf")!, { trust: OFF });
    const events = planMeasurements(await measurementInputs(fakeSys(), plan));
    const described = events.map((e) => `${e.pcr} ${e.description}`);
    expect(described.slice(0, 6)).toEqual([
      "12 Entry credentials initrd",
      "13 Entry system extension initrd",
      "12 Entry configuration extension initrd",
      "4 \\acme\\acme-1.0.efi",
      "12 @1",
      "12 1",
    ]);
    expect(described.slice(-3)).toEqual(["12 Global credentials initrd", "13 Global system extension initrd", "12 Global configuration extension initrd"]);
    const cred = plan.initrd.members.find((m) => m.member.kind === "entry-credentials")!;
    const bytes = await createSourceReader(cred.member.source, (p, o, l) => fs.readRange(p, o, l))(0, cred.size);
    expect(events[0]!.data).toEqual(bytes);
  });
});

describe("bad input: one line naming the file and line, and the rest still lists", () => {
  async function treeWith(
    entries: Record<string, string>,
    files: Record<string, string> = {},
  ): Promise<{ esp: string; d: Awaited<ReturnType<typeof discoverEntries>> }> {
    const { esp: link } = await linkTree();
    const esp = mkdtempSync(join(tmpdir(), "link-bad-"));
    cpSync(link, esp, { recursive: true });
    for (const [name, text] of Object.entries(entries)) writeFileSync(join(esp, "loader/entries", name), text);
    for (const [path, text] of Object.entries(files)) {
      if (text === "<dir>") mkdirSync(join(esp, path), { recursive: true });
      else writeFileSync(join(esp, path), text);
    }
    return { esp, d: await discoverEntries(fs, { esp, arch: "x64" }) };
  }
  const lines = (d: { problems: Parameters<typeof formatProblem>[0][] }, esp: string) => d.problems.map((p) => formatProblem(p).replaceAll(esp, "<esp>"));

  test("extras that are missing, a directory, empty, or of an unknown kind", async () => {
    const { esp, d } = await treeWith(
      {
        "bad-extras.conf":
          "title Bad extras\nuki /acme/acme-1.0.efi\nextra /acme/gone.cred\nextra /acme/dir.cred\nextra /acme/empty.sysext.raw\nextra /acme/notes.txt\nextra /acme/a.cred\n",
      },
      { "acme/dir.cred": "<dir>", "acme/empty.sysext.raw": "" },
    );
    expect(lines(d, esp)).toEqual([
      '<esp>/loader/entries/bad-extras.conf:6: Ignoring "extra /acme/notes.txt": only .cred, .sysext.raw and .confext.raw files can be extras',
      '<esp>/loader/entries/bad-extras.conf:3: Ignoring extra "\\acme\\gone.cred": it does not exist on the ESP; the entry boots without it',
      '<esp>/loader/entries/bad-extras.conf:4: Ignoring extra "\\acme\\dir.cred": it is a directory; the entry boots without it',
      '<esp>/loader/entries/bad-extras.conf:5: Ignoring extra "\\acme\\empty.sysext.raw": it is empty; the entry boots without it',
    ]);
    const e = d.entries.find((x) => x.id === "bad-extras.conf");
    expect(e?.kind === "type1-uki" ? e.extras.map((x) => x.fileName) : e).toEqual(["a.cred"]);
    expect(d.entries.length).toBe(5);
  });

  test("a profile the UKI does not have, a uki path outside the partition, a malformed counter", async () => {
    const { esp, d } = await treeWith({
      "beyond.conf": "title Beyond\nuki /acme/acme-1.0.efi\nprofile 7\n",
      "outside.conf": "title Outside\nuki /../../etc/passwd\n",
      "acme-oops+2-y.conf": "title Oops\nuki /acme/acme-0.9.efi\n",
    });
    expect(lines(d, esp).sort()).toEqual([
      '<esp>/loader/entries/acme-oops+2-y.conf: Not counting boots of "acme-oops+2-y.conf": "+2-y" is not a boot counter (+LEFT or +LEFT-DONE, digits only, right before .conf); the entry is listed under its whole name',
      '<esp>/loader/entries/beyond.conf:3: Cannot use entry: "\\acme\\acme-1.0.efi" has no profile 7 (it has profiles 0 to 2)',
      '<esp>/loader/entries/outside.conf:2: Cannot use entry: the uki path "/../../etc/passwd" leaves the partition (it has a ".." component)',
    ]);
    expect(d.entries.map((e) => e.id)).toContain("acme-oops+2-y.conf");
    expect(d.entries.length).toBe(5);
  });
});
