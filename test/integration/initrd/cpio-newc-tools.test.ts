/** ukiboot's newc archives read by the reference tools: GNU cpio and bsdtar. */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CASES } from "../../support/cpio-cases.ts";

describe("generated archives read by reference tools", () => {
  const archive = CASES["credentials-two-files"]!();

  test("GNU cpio -itv lists the names, modes and zero mtime", () => {
    const r = Bun.spawnSync(["cpio", "-itv", "--quiet"], { stdin: archive, stdout: "pipe", stderr: "pipe" });
    expect(r.exitCode).toBe(0);
    const lines = r.stdout
      .toString()
      .trim()
      .split("\n")
      .map((l) => l.split(/\s+/));
    expect(lines.map((l) => [l[0], l.at(-1)])).toEqual([
      ["dr-xr-xr-x", ".extra"],
      ["dr-x------", ".extra/credentials"],
      ["-r--------", ".extra/credentials/a.cred"],
      ["-r--------", ".extra/credentials/b.cred"],
    ]);
    expect(r.stdout.toString()).toContain("1970");
  });

  test("GNU cpio -idv unpacks the contents with the archive's modes", () => {
    const dir = mkdtempSync(join(tmpdir(), "ukiboot-cpio-x-"));
    try {
      const r = Bun.spawnSync(["cpio", "-idmv", "--quiet"], { cwd: dir, stdin: archive, stdout: "pipe", stderr: "pipe" });
      expect(r.exitCode).toBe(0);
      expect(r.stderr.toString().trim().split("\n")).toEqual([".extra", ".extra/credentials", ".extra/credentials/a.cred", ".extra/credentials/b.cred"]);
      expect(readFileSync(join(dir, ".extra/credentials/a.cred"), "utf8")).toBe("a\n");
      expect(readFileSync(join(dir, ".extra/credentials/b.cred"), "utf8")).toBe("bee");
      expect(statSync(join(dir, ".extra/credentials/b.cred")).mode & 0o7777).toBe(0o400);
      expect(statSync(join(dir, ".extra/credentials")).mode & 0o7777).toBe(0o500);
      expect(statSync(join(dir, ".extra/credentials/a.cred")).mtimeMs).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("bsdtar -tvf lists the same four records", () => {
    const r = Bun.spawnSync(["bsdtar", "-tvf", "-"], { stdin: archive, stdout: "pipe", stderr: "pipe" });
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.toString().trim().split("\n");
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(["dr-xr-xr-x", "dr-x------", "-r--------", "-r--------"]);
    expect(lines.map((l) => l.split(/\s+/).at(-1))).toEqual([".extra", ".extra/credentials", ".extra/credentials/a.cred", ".extra/credentials/b.cred"]);
  });

  test("GNU cpio and bsdtar read the padding case and the literal archive without complaint", () => {
    for (const name of ["sysext-padding", "osrel-literal", "global-credentials-no-files"]) {
      const a = CASES[name]!();
      const gnu = Bun.spawnSync(["cpio", "-it", "--quiet"], { stdin: a, stdout: "pipe", stderr: "pipe" });
      expect(gnu.exitCode).toBe(0);
      expect(gnu.stderr.toString()).toBe("");
      const bsd = Bun.spawnSync(["bsdtar", "-tf", "-"], { stdin: a, stdout: "pipe", stderr: "pipe" });
      expect(bsd.exitCode).toBe(0);
      expect(gnu.stdout.toString()).toBe(bsd.stdout.toString());
    }
  });
});
