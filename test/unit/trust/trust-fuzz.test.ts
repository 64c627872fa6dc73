/**
 * Mutation fuzzing of what the trust model reads from outside (docs/trust.md): db, dbx, MokListRT and
 * MokListXRT signature lists, shim's SbatLevelRT, a signed UKI's PKCS#7 certificate table and its .sbat.
 * Every case must end in a result or a FormatError that names its source, never anything else; and a
 * damaged signature never verifies, so under enforce it refuses. Seeded, reproducible from seed and case.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { prng } from "../../support/prng.ts";
import { readFileSync } from "node:fs";
import { FormatError } from "../../../src/errors.ts";
import { parsePe } from "../../../src/pe/pe.ts";
import { parseCertificateFile } from "../../../src/trust/certificate.ts";
import { writeSignatureLists } from "../../../src/trust/efi-signature-list.ts";
import { parseSbatLevel, parseSbatSection } from "../../../src/trust/sbat.ts";
import { buildTrustStore } from "../../../src/trust/trust-store.ts";
import { verifyAuthenticodeImage } from "../../../src/trust/verify-authenticode.ts";
import { decideUki } from "../../../src/trust/verify-policy.ts";
import { trustFixtures, type TrustFixtures } from "../../support/trust-fixtures.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 0x7a57);
const CASES = Number(process.env.FUZZ_CASES ?? 400);
const OWNER = "605dab50-e046-4300-abb6-3dd810dd8b23";

/** Flips bytes, writes an extreme 32-bit value, or truncates, within [from, to) of `src`. */
function mutate(src: Uint8Array, rnd: () => number, from = 0, to = src.length): Uint8Array {
  const b = src.slice();
  const at = () => from + (rnd() % Math.max(1, to - from));
  const kind = rnd() % 3;
  if (kind === 0) for (let i = 0, n = 1 + (rnd() % 6); i < n; i++) b[at()] = rnd() & 0xff;
  else if (kind === 1) new DataView(b.buffer).setUint32(Math.min(at(), b.length - 4), [0, 1, 0x7fffffff, 0xffffffff, 0x1000][rnd() % 5]!, true);
  else return b.subarray(0, at());
  return b;
}

/** Runs `f`; a FormatError naming `source` is an accepted answer, anything else thrown fails the case. */
function expectResultOrFormatError<T>(label: string, source: string, f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof FormatError && e.message.includes(source)) return undefined;
    throw new Error(`${label}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}

let f: TrustFixtures;
let list: Uint8Array;
beforeAll(async () => {
  f = await trustFixtures();
  const der = parseCertificateFile(new Uint8Array(readFileSync(f.keys.db.crt)), { source: "db.crt" })[0]!.der;
  list = writeSignatureLists([
    { kind: "x509", owner: OWNER, data: der },
    { kind: "sha256", owner: OWNER, data: new Uint8Array(32).fill(7) },
  ]);
}, 300_000);

describe(`mutated trust inputs (seed ${SEED}, ${CASES} cases each)`, () => {
  test("signature lists as db, dbx, MokListRT and MokListXRT: a store, and every unusable revocation list is reported", () => {
    const rnd = prng(SEED);
    for (let i = 0; i < CASES; i++) {
      const bad = mutate(list, rnd);
      const r = buildTrustStore({ db: bad, mokListRT: bad, dbx: bad, mokListXRT: bad });
      for (const p of r.problems) expect(p).toMatch(/^Ignoring (the (db|dbx|MokListRT|MokListXRT) variable|(db|dbx|MokListRT|MokListXRT) entry \d+): /);
      // What a damaged dbx or MokListXRT revokes is unknown, and says so.
      expect(r.unreadableRevocations.length > 0).toBe(r.problems.some((p) => /dbx|MokListXRT/.test(p)));
    }
  });

  test("SbatLevelRT: a level or a FormatError naming the variable", () => {
    const rnd = prng(SEED + 1);
    const level = new TextEncoder().encode("sbat,1,2024010900\nshim,4\ngrub,3\nsystemd-stub,1\n");
    for (let i = 0; i < CASES; i++) expectResultOrFormatError(`case ${i}`, "SbatLevelRT", () => parseSbatLevel(mutate(level, rnd), { source: "SbatLevelRT" }));
  });

  test("a UKI's .sbat: components or a FormatError naming the file", () => {
    const rnd = prng(SEED + 2);
    const bytes = new Uint8Array(readFileSync(f.uki.db));
    const s = parsePe(bytes, { source: "uki" }).sections.find((x) => x.name === ".sbat")!;
    const sbat = bytes.subarray(s.fileOffset, s.fileOffset + s.fileSize);
    for (let i = 0; i < CASES; i++) expectResultOrFormatError(`case ${i}`, "uki.db.efi", () => parseSbatSection(mutate(sbat, rnd), { source: "uki.db.efi" }));
  });

  test("a signed UKI's certificate table: a verdict or a FormatError; damage never verifies, so enforce refuses", async () => {
    const rnd = prng(SEED + 3);
    const bytes = new Uint8Array(readFileSync(f.uki.db));
    const { store } = buildTrustStore({ trustFiles: [{ name: "db.crt", bytes: new Uint8Array(readFileSync(f.keys.db.crt)) }] });
    const pe = parsePe(bytes, { source: "uki" });
    const tableStart = Math.max(...pe.sections.map((s) => s.fileOffset + s.fileSize));
    expect((await verifyAuthenticodeImage(bytes, store, { source: "uki.db.efi" })).verdict.status).toBe("verified");
    let refused = 0;
    for (let i = 0; i < CASES; i++) {
      const bad = mutate(bytes, rnd, tableStart, bytes.length);
      if (Buffer.from(bad).equals(Buffer.from(bytes))) continue;
      let report;
      try {
        report = await verifyAuthenticodeImage(bad, store, { source: "uki.db.efi" });
      } catch (e) {
        if (e instanceof FormatError && e.message.includes("uki.db.efi")) {
          refused++;
          continue;
        }
        throw new Error(`case ${i}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
      // Bytes of the table that the signature does not cover (padding, unsigned attributes) may change and
      // still verify; anything that breaks it must give a reason, and then enforce refuses.
      const d = decideUki(report.verdict, "enforce");
      if (report.verdict.status !== "verified") {
        expect(d.bootable).toBe(false);
        expect(d.reason).toBeTruthy();
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(CASES / 2);
  });
});
