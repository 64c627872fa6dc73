/** The load path reads one entry again from its sealed file, not the whole partition (docs/trust.md §4). */
import { beforeAll, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { discoverEntries, rediscoverEntry } from "../../../src/bls/discover-entries.ts";
import { NodeFs } from "../../../src/linux/node-fs.ts";
import { flowEsp } from "../../support/flow-esp.ts";

let esp = "";
beforeAll(async () => {
  esp = mkdtempSync(join(tmpdir(), "rediscover-"));
  cpSync((await flowEsp()).esp, esp, { recursive: true });
  mkdirSync(join(esp, "loader/entries"), { recursive: true });
  writeFileSync(join(esp, "loader/entries/other.conf"), "title Other\nlinux /EFI/Linux/flow-2.efi\noptions x=1\n");
}, 300_000);

/** A filesystem that records every file whose bytes are read. */
function reading(): { fs: NodeFs; read: Set<string> } {
  const fs = new NodeFs();
  const read = new Set<string>();
  const readRange = fs.readRange.bind(fs);
  const readFile = fs.readFile.bind(fs);
  fs.readRange = async (p: string, o: number, l: number) => (read.add(p.slice(esp.length)), readRange(p, o, l));
  fs.readFile = async (p: string) => (read.add(p.slice(esp.length)), readFile(p));
  return { fs, read };
}

test("a UKI's entry and a Type #1 entry come back as discovery made them, and no other entry's file is read", async () => {
  const { entries } = await discoverEntries(new NodeFs(), { esp });
  for (const id of ["flow-2.efi", "other.conf"]) {
    const listed = entries.find((e) => e.id === id)!;
    const { fs, read } = reading();
    const again = await rediscoverEntry(fs, listed);
    expect(again).toEqual({ ...listed, showTitle: again!.showTitle });
    // The entry's own file only; never flow-1.efi or the other files beside it.
    expect([...read].sort()).toEqual(id === "flow-2.efi" ? ["/EFI/Linux/flow-2.efi"] : ["/loader/entries/other.conf"]);
  }
});

test("a file that no longer holds the entry gives none", async () => {
  const { entries } = await discoverEntries(new NodeFs(), { esp });
  const other = entries.find((e) => e.id === "other.conf")!;
  const moved = mkdtempSync(join(tmpdir(), "rediscover-gone-"));
  expect(await rediscoverEntry(new NodeFs(), { ...other, root: moved, path: join(moved, "loader/entries/other.conf") })).toBeUndefined();
});
