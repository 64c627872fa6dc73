import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planAuthenticodeHash } from "../../../src/trust/authenticode-hash.ts";
import { parseCertificateFile } from "../../../src/trust/certificate.ts";
import { writeSignatureLists } from "../../../src/trust/efi-signature-list.ts";
import { buildTrustStore, type TrustSources } from "../../../src/trust/trust-store.ts";
import { verifyAuthenticodeFile, verifyAuthenticodeImage, type SignatureReport } from "../../../src/trust/verify-authenticode.ts";
import { hasProgram, run } from "../../../build/lib/run-command.ts";
import { missingFixtureTools, readBytes, trustFixtures, type TrustFixtures } from "../support/real-trust-fixtures.ts";

const missing = missingFixtureTools();
if (missing.length) console.warn(`the Authenticode verification tests will not run (npm test counts them as failed): missing ${missing.join(", ")}`);

const OWNER = "11111111-2222-3333-4444-555555555555";

describe.skipIf(missing.length > 0)("verifyAuthenticodeImage() on sbsign-signed images", () => {
  let f: TrustFixtures;
  let tmp: string;
  beforeAll(async () => {
    f = await trustFixtures();
    tmp = mkdtempSync(join(tmpdir(), "ukiboot-verify-"));
  });

  const file = (path: string) => ({ name: path, bytes: readBytes(path) });
  const store = (sources: TrustSources) => {
    const { store, problems } = buildTrustStore(sources);
    expect(problems).toEqual([]);
    return store;
  };
  const verify = (bytes: Uint8Array, sources: TrustSources): Promise<SignatureReport> => verifyAuthenticodeImage(bytes, store(sources), { source: "uki.efi" });
  /** sbverify's answer for the same bytes and anchor: true when it prints "Signature verification OK". */
  const sbverify = async (bytes: Uint8Array, cert: string): Promise<boolean> => {
    const path = join(tmp, `sbverify-${Math.random().toString(16).slice(2)}.efi`);
    writeFileSync(path, bytes);
    const r = await run(["sbverify", "--cert", cert, path], { okCodes: [0, 1] });
    return r.exitCode === 0;
  };
  const section = (bytes: Uint8Array, name: string) => planAuthenticodeHash(bytes, bytes.length, { source: "x" }).sections.find((s) => s.name === name)!;
  const flipByteIn = (bytes: Uint8Array, name: string): Uint8Array => {
    const s = section(bytes, name);
    const b = bytes.slice();
    b[s.pointerToRawData + 1]! ^= 0x01;
    return b;
  };

  test("a signed UKI verifies against its certificate given with --trust, and sbverify agrees", async () => {
    const bytes = readBytes(f.uki.db);
    const r = await verify(bytes, { trustFiles: [file(f.keys.db.crt)] });
    expect(r.verdict).toEqual({ status: "verified", signer: "/CN=ukiboot test db", anchor: `--trust ${f.keys.db.crt}` });
    expect(r.signatures).toHaveLength(1);
    expect(r.signatures[0]!.signedDigest).toBe(r.imageSha256!);
    expect(await sbverify(bytes, f.keys.db.crt)).toBe(true);
  });

  test("a one-byte change in .cmdline is refused as changed after signing, and sbverify agrees", async () => {
    const bytes = flipByteIn(readBytes(f.uki.db), ".cmdline");
    const r = await verify(bytes, { trustFiles: [file(f.keys.db.crt)] });
    expect(r.verdict.status).toBe("bad");
    expect(r.verdict).toHaveProperty(
      "reason",
      expect.stringMatching(/^its Authenticode sha256 digest [0-9a-f]{64} does not match the signed digest [0-9a-f]{64}: the image was changed after signing$/),
    );
    expect(await sbverify(bytes, f.keys.db.crt)).toBe(false);
  });

  test("a one-byte change in .initrd is refused the same way, and sbverify agrees", async () => {
    const bytes = flipByteIn(readBytes(f.uki.db), ".initrd");
    const r = await verify(bytes, { trustFiles: [file(f.keys.db.crt)] });
    expect(r.verdict.status).toBe("bad");
    expect(r.verdict).toHaveProperty("reason", expect.stringContaining("the image was changed after signing"));
    expect(await sbverify(bytes, f.keys.db.crt)).toBe(false);
  });

  test("a signature from an untrusted key is refused as untrusted, and sbverify agrees", async () => {
    const bytes = readBytes(f.uki.other);
    const r = await verify(bytes, { trustFiles: [file(f.keys.db.crt)] });
    expect(r.verdict).toEqual({
      status: "untrusted",
      reason: 'its signer "/CN=ukiboot test other" (issued by "/CN=ukiboot test other") chains to no trusted certificate',
    });
    expect(await sbverify(bytes, f.keys.db.crt)).toBe(false);
  });

  test.skipIf(!hasProgram("hash-to-efi-sig-list"))(
    "an image whose hash is in a fake dbx (made by efitools' hash-to-efi-sig-list) is refused as revoked",
    async () => {
      const dbx = join(tmp, "dbx.esl");
      await run(["hash-to-efi-sig-list", f.addon.unsigned, f.uki.db, dbx]);
      const r = await verify(readBytes(f.uki.db), { trustFiles: [file(f.keys.db.crt)], dbx: new Uint8Array(readFileSync(dbx)) });
      expect(r.verdict).toEqual({ status: "revoked", reason: `its Authenticode SHA-256 digest ${r.imageSha256} is listed in dbx entry 2` });
    },
  );

  test("a signer certificate in dbx revokes the image even though db trusts it", async () => {
    const der = parseCertificateFile(readBytes(f.keys.db.crt), { source: "db" })[0]!.der;
    const dbx = writeSignatureLists([{ kind: "x509", owner: OWNER, data: der }]);
    const r = await verify(readBytes(f.uki.db), { db: dbx, dbx });
    expect(r.verdict).toEqual({
      status: "revoked",
      reason: 'its signer "/CN=ukiboot test db" chains to the revoked certificate "/CN=ukiboot test db" in dbx entry 1',
    });
  });

  test("a truncated certificate table is refused with its own message, and sbverify agrees", async () => {
    const signed = readBytes(f.uki.db);
    const bytes = signed.subarray(0, signed.length - 100);
    const r = await verify(bytes, { trustFiles: [file(f.keys.db.crt)] });
    expect(r.verdict.status).toBe("bad");
    expect(r.verdict).toHaveProperty(
      "reason",
      expect.stringMatching(
        /^its Authenticode layout is invalid: the certificate table at 0x[0-9a-f]+ ends at 0x[0-9a-f]+, past the end of the file at 0x[0-9a-f]+ \(truncated\)$/,
      ),
    );
    expect(await sbverify(bytes, f.keys.db.crt)).toBe(false);
  });

  test("a WIN_CERTIFICATE longer than its table is refused as a damaged table", async () => {
    const bytes = readBytes(f.uki.db).slice();
    const table = planAuthenticodeHash(bytes, bytes.length, { source: "x" }).certificateTable!;
    new DataView(bytes.buffer).setUint32(table.offset, table.length + 8, true); // dwLength
    const r = await verify(bytes, { trustFiles: [file(f.keys.db.crt)] });
    expect(r.verdict.status).toBe("bad");
    expect(r.verdict).toHaveProperty(
      "reason",
      expect.stringMatching(/^its certificate table is damaged: the entry at 0x[0-9a-f]+ claims 0x[0-9a-f]+ bytes, but only 0x[0-9a-f]+ remain \(truncated\)$/),
    );
  });

  test("the four refusals each have their own message", async () => {
    const db = { trustFiles: [file(f.keys.db.crt)] };
    const signed = readBytes(f.uki.db);
    const der = parseCertificateFile(readBytes(f.keys.db.crt), { source: "db" })[0]!.der;
    const reasons = [
      (await verify(flipByteIn(signed, ".cmdline"), db)).verdict,
      (await verify(readBytes(f.uki.other), db)).verdict,
      (await verify(signed, { ...db, dbx: writeSignatureLists([{ kind: "x509", owner: OWNER, data: der }]) })).verdict,
      (await verify(signed.subarray(0, signed.length - 8), db)).verdict,
    ].map((v) => ("reason" in v ? v.reason.replace(/[0-9a-f]{16,}|0x[0-9a-f]+/g, "#") : v.status));
    expect(new Set(reasons).size).toBe(4);
  });

  test("a damaged RSA signature value is refused as not verifying", async () => {
    const bytes = readBytes(f.uki.db).slice();
    bytes[bytes.length - 20]! ^= 0x01; // inside the signature value, the last item of SignerInfo
    const r = await verify(bytes, { trustFiles: [file(f.keys.db.crt)] });
    expect(r.verdict).toEqual({ status: "bad", reason: "the signer's signature over the signed attributes does not verify with the signer certificate's key" });
    expect(await sbverify(bytes, f.keys.db.crt)).toBe(false);
  });

  test("an unsigned UKI is unsigned, and sbverify refuses it too", async () => {
    const bytes = readBytes(f.uki.unsigned);
    expect((await verify(bytes, { trustFiles: [file(f.keys.db.crt)] })).verdict).toEqual({ status: "unsigned", reason: "it is not signed" });
    expect(await sbverify(bytes, f.keys.db.crt)).toBe(false);
  });

  test("an unsigned UKI whose digest is in db verifies, as UEFI allows", async () => {
    const unsigned = readBytes(f.uki.unsigned);
    const sha = (await verify(unsigned, {})).imageSha256!;
    const db = writeSignatureLists([{ kind: "sha256", owner: OWNER, data: new Uint8Array(Buffer.from(sha, "hex")) }]);
    expect((await verify(unsigned, { db })).verdict).toEqual({ status: "verified", signer: "(image digest)", anchor: "db entry 1" });
  });

  test("a leaf signed by a CA verifies against the CA or against the leaf itself, as sbverify does", async () => {
    const bytes = readBytes(f.uki.chain);
    const viaCa = await verify(bytes, { trustFiles: [file(f.keys.ca.crt)] });
    expect(viaCa.verdict).toEqual({ status: "verified", signer: "/CN=ukiboot test signer", anchor: `--trust ${f.keys.ca.crt}` });
    expect(viaCa.signatures[0]!.chain.map((c) => c.subject)).toEqual(["/CN=ukiboot test signer"]);
    expect(await sbverify(bytes, f.keys.ca.crt)).toBe(true);
    expect((await verify(bytes, { trustFiles: [file(f.keys.leaf.crt)] })).verdict.status).toBe("verified");
    expect(await sbverify(bytes, f.keys.leaf.crt)).toBe(true);
    expect((await verify(bytes, { trustFiles: [file(f.keys.db.crt)] })).verdict.status).toBe("untrusted");
    expect(await sbverify(bytes, f.keys.db.crt)).toBe(false);
  });

  test("an intermediate carried in the signature links the signer to the CA, and sbverify agrees", async () => {
    const bytes = readBytes(f.uki.intermediate);
    const r = await verify(bytes, { trustFiles: [file(f.keys.ca.crt)] });
    expect(r.verdict).toMatchObject({ status: "verified", signer: "/CN=ukiboot test signer 2" });
    expect(r.signatures[0]!.chain.map((c) => c.subject)).toEqual(["/CN=ukiboot test signer 2", "/CN=ukiboot test intermediate"]);
    expect(await sbverify(bytes, f.keys.ca.crt)).toBe(true);
    // The intermediate alone is an anchor too (partial chain, as UEFI allows).
    expect((await verify(bytes, { trustFiles: [file(f.keys.inter.crt)] })).verdict.status).toBe("verified");
  });

  test("a chain through a certificate that may not issue (CA:FALSE) is untrusted, and sbverify agrees", async () => {
    const bytes = readBytes(f.uki.rogue);
    // leaf2 names and signed the rogue signer, but is CA:FALSE, whether it is the anchor or on the way to one.
    for (const anchor of [f.keys.leaf2.crt, f.keys.inter.crt]) {
      const r = await verify(bytes, { trustFiles: [file(anchor)] });
      expect(r.verdict).toEqual({
        status: "untrusted",
        reason: 'its signer "/CN=ukiboot test rogue" (issued by "/CN=ukiboot test signer 2") chains to no trusted certificate',
      });
      expect(await sbverify(bytes, anchor)).toBe(false);
    }
    // Trusting the rogue signer itself is still allowed: it is the anchor, nothing is issued.
    expect((await verify(bytes, { trustFiles: [file(f.keys.rogue.crt)] })).verdict.status).toBe("verified");
  });

  test("a CA in dbx revokes images signed by its leaf", async () => {
    const ca = parseCertificateFile(readBytes(f.keys.ca.crt), { source: "ca" })[0]!.der;
    const r = await verify(readBytes(f.uki.chain), {
      trustFiles: [file(f.keys.leaf.crt)],
      dbx: writeSignatureLists([{ kind: "x509", owner: OWNER, data: ca }]),
    });
    expect(r.verdict.status).toBe("revoked");
  });

  test("an ECDSA P-256 signature verifies, and sbverify agrees", async () => {
    const bytes = readBytes(f.uki.ec);
    expect((await verify(bytes, { trustFiles: [file(f.keys.ec.crt)] })).verdict).toEqual({
      status: "verified",
      signer: "/CN=ukiboot test ec",
      anchor: `--trust ${f.keys.ec.crt}`,
    });
    expect(await sbverify(bytes, f.keys.ec.crt)).toBe(true);
  });

  test("with two signatures, either trusted signer verifies the image, and a revoked one revokes it", async () => {
    const bytes = readBytes(f.uki.twoSignatures);
    const byDb = await verify(bytes, { trustFiles: [file(f.keys.db.crt)] });
    expect(byDb.verdict).toMatchObject({ status: "verified", signer: "/CN=ukiboot test db" });
    expect(byDb.signatures.map((s) => s.status)).toEqual(["untrusted", "verified"]);
    expect((await verify(bytes, { trustFiles: [file(f.keys.other.crt)] })).verdict).toMatchObject({ status: "verified", signer: "/CN=ukiboot test other" });
    const other = parseCertificateFile(readBytes(f.keys.other.crt), { source: "other" })[0]!.der;
    const r = await verify(bytes, { trustFiles: [file(f.keys.db.crt)], dbx: writeSignatureLists([{ kind: "x509", owner: OWNER, data: other }]) });
    expect(r.verdict.status).toBe("revoked");
  });

  test("db and MokListRT variables (EFI_SIGNATURE_LISTs) are anchors, named by variable and entry", async () => {
    const der = parseCertificateFile(readBytes(f.keys.db.crt), { source: "db" })[0]!.der;
    const ca = parseCertificateFile(readBytes(f.keys.ca.crt), { source: "ca" })[0]!.der;
    const list = writeSignatureLists([
      { kind: "x509", owner: OWNER, data: ca },
      { kind: "x509", owner: OWNER, data: der },
    ]);
    expect((await verify(readBytes(f.uki.db), { db: list })).verdict).toMatchObject({ status: "verified", anchor: "db entry 2" });
    expect((await verify(readBytes(f.uki.chain), { mokListRT: list })).verdict).toMatchObject({ status: "verified", anchor: "MokListRT entry 1" });
  });

  test("built-in certificates are anchors", async () => {
    const r = await verify(readBytes(f.uki.db), { builtIn: [{ name: "ukiboot.pem", bytes: readBytes(f.keys.db.crt) }] });
    expect(r.verdict).toMatchObject({ status: "verified", anchor: "built-in ukiboot.pem" });
  });

  test("add-ons: a signed add-on verifies, an unsigned one is unsigned", async () => {
    expect((await verify(readBytes(f.addon.db), { trustFiles: [file(f.keys.db.crt)] })).verdict.status).toBe("verified");
    expect((await verify(readBytes(f.addon.unsigned), { trustFiles: [file(f.keys.db.crt)] })).verdict.status).toBe("unsigned");
  });

  test("verifyAuthenticodeFile() reading ranges gives the same report as the in-memory check", async () => {
    const s = store({ trustFiles: [file(f.keys.db.crt)] });
    for (const path of [f.uki.db, f.uki.other, f.uki.unsigned]) {
      const bytes = readBytes(path);
      const reads: [number, number][] = [];
      const streamed = await verifyAuthenticodeFile(bytes.subarray(0, 4096), bytes.length, async (o, n) => (reads.push([o, n]), bytes.slice(o, o + n)), s, {
        source: path,
      });
      expect(streamed).toEqual(await verifyAuthenticodeImage(bytes, s, { source: path }));
      expect(reads.length).toBeGreaterThan(0);
    }
  });

  test("hashing through one reused buffer (memory flat in the image's size) gives the same report", async () => {
    const s = store({ trustFiles: [file(f.keys.db.crt)] });
    for (const path of [f.uki.db, f.uki.other, f.uki.unsigned]) {
      const bytes = readBytes(path);
      const buffer = new Uint8Array(4096);
      let hashReads = 0;
      const read = async (o: number, n: number) => {
        // Poisons the previous chunk: a hash that kept a reference to it would come out wrong.
        buffer.fill(0xa5);
        buffer.set(bytes.subarray(o, o + n));
        hashReads++;
        return buffer.subarray(0, Math.min(n, bytes.length - o));
      };
      const reused = await verifyAuthenticodeFile(bytes.subarray(0, 4096), bytes.length, async (o, n) => bytes.slice(o, o + n), s, {
        source: path,
        hashRead: { read, chunkSize: buffer.length },
      });
      expect(reused).toEqual(await verifyAuthenticodeImage(bytes, s, { source: path }));
      expect(hashReads).toBeGreaterThan(bytes.length / buffer.length - 2);
    }
  });

  test("a --trust file that is not a certificate is a problem, not a failure", () => {
    const { store, problems } = buildTrustStore({ trustFiles: [{ name: "junk.pem", bytes: new TextEncoder().encode("hello") }, file(f.keys.db.crt)] });
    expect(problems).toEqual([
      'Ignoring trust anchor "junk.pem": Cannot read certificates from "junk.pem": it is neither DER nor PEM with a CERTIFICATE block',
    ]);
    expect(store.anchors).toHaveLength(1);
  });

  test("a damaged dbx variable is a problem; the other sources still apply", () => {
    const { store, problems } = buildTrustStore({ trustFiles: [file(f.keys.db.crt)], dbx: new Uint8Array(10) });
    expect(problems).toEqual([
      'Ignoring the dbx variable: Cannot parse the signature lists in "dbx": 10 bytes at 0x0 are too short for an EFI_SIGNATURE_LIST header',
    ]);
    expect(store.anchors).toHaveLength(1);
  });
});
