import type { LinuxEntry } from "../../../src/model/boot-entry.ts";
import { addonsOf, ukiOf } from "../../../src/model/entry-rules.ts";
import { beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pickDefaultEntry } from "../../../src/bls/default-entry.ts";
import { discoverEntries, type Discovery } from "../../../src/bls/discover-entries.ts";
import { toBootctlJson } from "../../../src/report/bootctl-json.ts";
import type { ReadOnlyFs } from "../../../src/ports/fs.ts";
import { NodeFs } from "../../../src/linux/node-fs.ts";
import { committedTree, ukiTree } from "../../support/esp-fixtures.ts";
import { buildUki } from "../../support/uki-fixtures.ts";
import { expectGolden, relativise } from "./golden.ts";

/** A NodeFs that records every read, to prove what listing reads. */
class CountingFs implements ReadOnlyFs {
  inner = new NodeFs();
  wholeFiles: string[] = [];
  ranges: { path: string; offset: number; length: number }[] = [];
  readFile(path: string) {
    this.wholeFiles.push(path);
    return this.inner.readFile(path);
  }
  readRange(path: string, offset: number, length: number) {
    this.ranges.push({ path, offset, length });
    return this.inner.readRange(path, offset, length);
  }
  readDir(path: string) {
    return this.inner.readDir(path);
  }
  stat(path: string) {
    return this.inner.stat(path);
  }
}

function goldenView(d: Discovery, roots: Record<string, string>) {
  const def = pickDefaultEntry(d.entries, { loaderConfDefault: d.config.default });
  return relativise({ entries: toBootctlJson(d.entries, { defaultIndex: def.index }), default: def, config: d.config, problems: d.problems }, roots);
}

describe("discoverEntries() on a Fedora-style ESP + XBOOTLDR", () => {
  const root = committedTree("fedora");
  let d: Discovery;
  beforeAll(async () => {
    d = await discoverEntries(new NodeFs(), { esp: join(root, "esp"), xbootldr: join(root, "xbootldr"), arch: "x64" });
  });
  test("lists the XBOOTLDR entries newest first, the bad one last", () => {
    expect(d.entries.map((e) => e.id)).toEqual([
      "6a9857a393724b7a981ebb5b8495b9ea-6.10.2-200.fc40.x86_64.conf",
      "6a9857a393724b7a981ebb5b8495b9ea-6.9.12-200.fc40.x86_64.conf",
      "6a9857a393724b7a981ebb5b8495b9ea-0-rescue.conf",
      "6a9857a393724b7a981ebb5b8495b9ea-6.8.5-301.fc40.x86_64.conf",
    ]);
    expect(d.problems).toEqual([]);
  });
  test("makes the shared title unique with the version", () => {
    expect(d.entries[0]!.showTitle).toBe("Fedora Linux 40 (Workstation Edition) (6.10.2-200.fc40.x86_64)");
  });
  test("reads loader.conf from the ESP", () => {
    expect(d.config).toMatchObject({ default: "6a9857a393724b7a981ebb5b8495b9ea-6.9*", timeout: 3, editor: false, other: { "console-mode": "keep" } });
  });
  test("matches the golden file", () => {
    expectGolden("fedora", goldenView(d, { esp: join(root, "esp"), xbootldr: join(root, "xbootldr") }));
  });
});

describe("discoverEntries() on an Arch-style ESP with broken entries", () => {
  const esp = join(committedTree("arch"), "esp");
  let d: Discovery;
  beforeAll(async () => {
    d = await discoverEntries(new NodeFs(), { esp, arch: "x64" });
  });
  test("lists the good entries and drops the missing-kernel, foreign-arch and two-loader ones", () => {
    expect(d.entries.map((e) => e.id)).toEqual(["broken-lines.conf", "arch.conf", "arch-fallback.conf"]);
  });
  test("reports each problem with its file (and line)", () => {
    const lines = d.problems.map((p) => `${p.file.slice(esp.length)}${p.line ? `:${p.line}` : ""} ${p.severity}`);
    expect(lines).toEqual([
      "/loader/entries/folder.conf warning",
      "/loader/entries/arch-lts.conf error",
      "/loader/entries/arm.conf:2 error",
      "/loader/entries/broken-lines.conf:2 warning",
      "/loader/entries/broken-lines.conf:4 warning",
      "/loader/entries/two-loaders.conf:3 error",
    ]);
  });
  test("keeps initrd order", () => {
    const arch = d.entries.find((e) => e.id === "arch.conf");
    expect(arch?.kind).toBe("type1-linux");
    expect((arch as LinuxEntry).initrds.map((i) => i.loaderPath)).toEqual(["\\intel-ucode.img", "\\initramfs-linux.img"]);
  });
  test("matches the golden file", () => expectGolden("arch", goldenView(d, { esp })));
});

describe("discoverEntries() on an ESP of UKIs laid out as ukify lays them out", () => {
  let esp: string;
  let d: Discovery;
  beforeAll(async () => {
    esp = (await ukiTree()).esp;
    d = await discoverEntries(new NodeFs(), { esp, arch: "x64" });
  }, 120_000);
  test("lists profiles, counted and uncounted UKIs, Type #1 uki/efi entries, in spec order", () => {
    expect(d.entries.map((e) => e.id)).toEqual([
      "acme-1.0.efi",
      "acme-1.0.efi@reset",
      "acme-1.0.efi@2",
      "acme-0.9.efi",
      "upper.efi",
      "nosort.efi",
      "acme-uki.conf",
      "acme-efi.conf",
      "bad.efi",
    ]);
  });
  test("titles profiles as the spec's multi-profile example does", () => {
    expect(d.entries.slice(0, 3).map((e) => e.title)).toEqual(["Acme OS (Regular)", "Acme OS (reset)", "Acme OS (Profile #3)"]);
  });
  test("attaches global then local add-ons, and drops one whose .uname differs", () => {
    const e = d.entries.find((x) => x.id === "acme-0.9.efi")!;
    expect(addonsOf(e).map((a) => [a.scope, a.fileName, a.cmdline])).toEqual([
      ["global", "global.addon.efi", "global=1"],
      ["local", "local.addon.efi", "local=1"],
    ]);
    expect(d.problems.some((p) => p.file.endsWith("mismatch.addon.efi") && /does not match "6.12.0-acme0"/.test(p.message))).toBe(true);
  });
  test("finds the add-ons of a counted UKI in the directory without the counter", () => {
    expect(addonsOf(d.entries[0]!).map((a) => a.fileName)).toEqual(["global.addon.efi", "counted.addon.efi"]);
  });
  test("reports every broken file once and lists the rest", () => {
    const files = d.problems.filter((p) => p.severity === "error").map((p) => p.file.slice(esp.length));
    expect(files.sort()).toEqual([
      "/EFI/Linux/cut-sections.efi",
      "/EFI/Linux/is-addon.efi",
      "/EFI/Linux/noosrel.efi",
      "/EFI/Linux/nul-osrel.efi",
      "/EFI/Linux/truncated.efi",
      "/loader/entries/missing-uki.conf",
    ]);
  });
  test("matches the golden file", () => expectGolden("uki-esp", goldenView(d, { esp })));
});

describe("discoverEntries() reading strategy", () => {
  test("lists a UKI around a 6 MB kernel by reading headers and small sections only", async () => {
    const esp = mkdtempSync(join(tmpdir(), "big-kernel-esp-"));
    const uki = join(esp, "EFI/Linux/debian.efi");
    mkdirSync(dirname(uki), { recursive: true });
    const spec = { linux: 6_000_000, osRelease: 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nVERSION_ID=13\n', cmdline: "root=/dev/vda1 ro" };
    copyFileSync(await buildUki(spec), uki);
    const fs = new CountingFs();
    const d = await discoverEntries(fs, { esp, arch: "x64" });
    expect(d.entries.map((e) => e.title)).toEqual(["Debian GNU/Linux 13 (trixie)"]);
    const size = (await fs.stat(uki))!.size;
    const linux = ukiOf(d.entries[0]!)?.sections[".linux"];
    if (!linux) throw new Error("the UKI entry has no .linux");
    expect(linux.fileSize).toBeGreaterThan(5_000_000);
    expect(fs.wholeFiles).not.toContain(uki);
    const bytes = fs.ranges.filter((r) => r.path === uki).reduce((n, r) => n + r.length, 0);
    expect(bytes).toBeLessThan(80 * 1024);
    // No read touches the kernel's bytes.
    for (const r of fs.ranges.filter((x) => x.path === uki)) {
      expect(r.offset + r.length <= linux.fileOffset || r.offset >= linux.fileOffset + linux.fileSize).toBe(true);
    }
    expect(size).toBeGreaterThan(linux.fileSize);
  }, 300_000);
});

describe("an interrupted boot-counter rename (docs/efi-variables.md §5)", () => {
  test("one UKI under two counter names: the one with fewer tries left is the entry, the other a problem naming both", async () => {
    const { mkdtempSync, mkdirSync, copyFileSync, readdirSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { flowEsp } = await import("../../support/flow-esp.ts");
    const from = join((await flowEsp()).esp, "EFI/Linux");
    const esp = mkdtempSync(join(tmpdir(), "interrupted-"));
    mkdirSync(join(esp, "EFI/Linux"), { recursive: true });
    // Both names point at one file on FAT after a cut rename; here they are two copies of it.
    copyFileSync(join(from, "flow-2.efi"), join(esp, "EFI/Linux/flow-2+3.efi"));
    copyFileSync(join(from, "flow-2.efi"), join(esp, "EFI/Linux/flow-2+2-1.efi"));
    copyFileSync(join(from, "flow-1.efi"), join(esp, "EFI/Linux/flow-1+3.efi"));
    const d = await discoverEntries(new NodeFs(), { esp });
    expect(d.entries.map((e) => e.fileName)).toEqual(["flow-2+2-1.efi", "flow-1+3.efi"]);
    expect(d.problems.map((p) => p.message)).toEqual([
      'Ignoring "flow-2+3.efi": "flow-2+2-1.efi" is the same entry with fewer tries left, so a boot-counter rename was interrupted. Check the ESP with fsck.fat, then remove "flow-2+3.efi"',
    ]);
    // Nothing on the ESP was touched.
    expect(readdirSync(join(esp, "EFI/Linux")).sort()).toEqual(["flow-1+3.efi", "flow-2+2-1.efi", "flow-2+3.efi"]);
  });
});
