/**
 * Mutation fuzzing over the fixture UKIs and add-ons (laid out as ukify lays them out): PE parsing, UKI profile handling and whole-ESP discovery must
 * return a result or throw a FormatError (parsers) / report problems (discovery), never anything else,
 * and never hang. Seeded, so a failure is reproducible from its seed and case number.
 */
import { describe, expect, test } from "bun:test";
import { prng } from "../../support/prng.ts";
import { readFileSync } from "node:fs";
import { discoverEntries } from "../../../src/bls/discover-entries.ts";
import { parseLoaderConf } from "../../../src/bls/loader-conf.ts";
import { parseType1Entry } from "../../../src/bls/type1-entry.ts";
import { FormatError } from "../../../src/errors.ts";
import { parsePe } from "../../../src/pe/pe.ts";
import { decodeSectionText } from "../../../src/pe/section-text.ts";
import { classifyPe, effectiveSections, profileCount } from "../../../src/pe/uki.ts";
import type { DirEntry, FileStat, ReadOnlyFs } from "../../../src/ports/fs.ts";
import { buildAddon, buildUki, fixtureBytes } from "../../support/uki-fixtures.ts";
import { ACME_OSREL } from "../../support/esp-fixtures.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const CASES = Number(process.env.FUZZ_CASES ?? 3000);

/** One mutation: flip bytes, write interesting u32 values into the headers, truncate, or splice. */
function mutate(src: Uint8Array, rnd: () => number, headerEnd: number): Uint8Array {
  let b = src.slice();
  const kind = rnd() % 5;
  const at = (limit: number) => rnd() % Math.max(1, limit);
  const interesting = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff0, b.length, b.length - 1, 0x1000, 40];
  if (kind === 0) for (let i = 0, n = 1 + (rnd() % 8); i < n; i++) b[at(b.length)] = rnd() & 0xff;
  else if (kind === 1)
    for (let i = 0, n = 1 + (rnd() % 4); i < n; i++)
      new DataView(b.buffer).setUint32(Math.min(at(headerEnd), b.length - 4), interesting[rnd() % interesting.length]! >>> 0, true);
  else if (kind === 2) new DataView(b.buffer).setUint16(Math.min(at(headerEnd), b.length - 2), rnd() & 0xffff, true);
  else if (kind === 3) b = b.subarray(0, at(b.length));
  else {
    const from = at(b.length);
    const to = at(headerEnd);
    b.copyWithin(to, from, from + 1 + (rnd() % 64));
  }
  return b;
}

/** An in-memory fs of one directory tree, for discovery over mutated files. */
class MemFs implements ReadOnlyFs {
  constructor(private files: Map<string, Uint8Array>) {}
  private dirs() {
    const d = new Set<string>(["/"]);
    for (const f of this.files.keys())
      for (let p = f; p.includes("/") && p !== ""; ) {
        p = p.slice(0, p.lastIndexOf("/"));
        d.add(p === "" ? "/" : p);
      }
    return d;
  }
  async readFile(path: string) {
    const f = this.files.get(path);
    if (!f) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
    return f;
  }
  async readRange(path: string, offset: number, length: number) {
    return (await this.readFile(path)).subarray(offset, offset + length);
  }
  async readDir(path: string): Promise<DirEntry[]> {
    const out = new Map<string, DirEntry>();
    const prefix = path === "/" ? "/" : `${path}/`;
    for (const f of this.files.keys())
      if (f.startsWith(prefix)) {
        const rest = f.slice(prefix.length);
        const name = rest.split("/")[0]!;
        out.set(name, { name, kind: rest.includes("/") ? "dir" : "file" });
      }
    return [...out.values()];
  }
  async stat(path: string): Promise<FileStat | null> {
    const f = this.files.get(path);
    if (f) return { kind: "file", size: f.length };
    return this.dirs().has(path) ? { kind: "dir", size: 0 } : null;
  }
}

function acceptOnlyFormatError(fn: () => unknown, label: string): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof FormatError)) throw new Error(`${label}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
  }
}

describe("fuzzing with mutated fixtures", () => {
  test(`parsePe() and the UKI model accept or throw FormatError (${CASES} cases, seed ${SEED})`, async () => {
    const seeds = [
      fixtureBytes(await buildUki({ osRelease: ACME_OSREL("1.0"), cmdline: "quiet", profile: "ID=a", profiles: [{ profile: "ID=b", cmdline: "x" }] })),
      fixtureBytes(await buildAddon({ cmdline: "debug", uname: "6.12.0-fake" })),
    ];
    const rnd = prng(SEED);
    const t0 = performance.now();
    for (let i = 0; i < CASES; i++) {
      const src = seeds[i % seeds.length]!;
      const headerEnd = parsePe(src, { source: "seed" }).headersEnd;
      const b = mutate(src, rnd, headerEnd);
      acceptOnlyFormatError(() => {
        const pe = parsePe(b, { source: `case-${i}` });
        classifyPe(pe);
        for (let k = 0; k < profileCount(pe); k++) {
          const eff = effectiveSections(pe, k);
          for (const s of Object.values(eff.byName)) {
            if (s.fileSize < 65536) decodeSectionText(b.subarray(s.fileOffset, s.fileOffset + s.fileSize), { source: `case-${i}`, section: s.name });
          }
        }
      }, `seed ${SEED} case ${i}`);
    }
    expect(performance.now() - t0).toBeLessThan(30_000);
  }, 60_000);

  test("loader.conf and Type #1 parsers never throw on mutated text", () => {
    const rnd = prng(SEED + 1);
    const texts = [
      readFileSync(new URL("../../fixtures/bls/arch/esp/loader/entries/arch.conf", import.meta.url), "utf8"),
      readFileSync(new URL("../../fixtures/bls/fedora/esp/loader/loader.conf", import.meta.url), "utf8"),
    ];
    for (let i = 0; i < CASES; i++) {
      const src = new TextEncoder().encode(texts[i % 2]!);
      const b = mutate(src, rnd, src.length);
      const text = new TextDecoder().decode(b);
      parseLoaderConf(text, { source: "l" });
      parseType1Entry(text, { source: "e", arch: "x64" });
    }
  });

  test("discoverEntries() lists or reports mutated UKIs and add-ons, never throws", async () => {
    const uki = fixtureBytes(
      await buildUki({ osRelease: ACME_OSREL("1.0"), cmdline: "quiet", uname: "6.12.0-fake", profile: "ID=a", profiles: [{ profile: "ID=b", cmdline: "x" }] }),
    );
    const addon = fixtureBytes(await buildAddon({ cmdline: "debug", uname: "6.12.0-fake" }));
    const ukiEnd = parsePe(uki, { source: "u" }).headersEnd;
    const addonEnd = parsePe(addon, { source: "a" }).headersEnd;
    const rnd = prng(SEED + 2);
    const t0 = performance.now();
    const rounds = Math.max(1, Math.floor(CASES / 10));
    for (let i = 0; i < rounds; i++) {
      const files = new Map<string, Uint8Array>([
        ["/esp/EFI/Linux/good.efi", uki],
        ["/esp/EFI/Linux/fuzz.efi", mutate(uki, rnd, ukiEnd)],
        ["/esp/EFI/Linux/fuzz.efi.extra.d/a.addon.efi", mutate(addon, rnd, addonEnd)],
        ["/esp/loader/addons/g.addon.efi", mutate(addon, rnd, addonEnd)],
        ["/esp/loader/entries/e.conf", new TextEncoder().encode("title T\nuki /EFI/Linux/fuzz.efi\nprofile 1\n")],
      ]);
      const d = await discoverEntries(new MemFs(files), { esp: "/esp", arch: "x64" });
      // The untouched UKI always lists, whatever happens to its neighbours.
      expect(d.entries.some((e) => e.fileName === "good.efi")).toBe(true);
    }
    expect(performance.now() - t0).toBeLessThan(30_000);
  }, 60_000);
});
