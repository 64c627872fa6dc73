/**
 * Load the bytes you verified: after `snapshots.take`, a file that changes on disk is still read as it was,
 * by the filesystem view the checks use and by the kexec loader's copy (the real memfd seals, no fakes).
 */
import { expect, test } from "bun:test";
import { mkdtempSync, openSync, readFileSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { layoutInitrd } from "../../../src/initrd/initrd-layout.ts";
import { toHex } from "../../../src/bytes/digest.ts";
import { DigestThread } from "../../../src/linux/digest-thread.ts";
import { createLinuxSys } from "../../../src/linux/linux-sys.ts";
import { SnapshotTable } from "../../../src/linux/snapshots.ts";
import { AUTHENTICODE_HEAD_SIZE, digestRangesInMemory, planAuthenticodeHash } from "../../../src/trust/authenticode-hash.ts";
import { writeUki } from "../../support/uki-writer.ts";

function linuxSys() {
  return createLinuxSys({ stdio: { stdin: process.stdin, stdout: process.stdout, stderr: { write: () => true }, env: {} } });
}

test("a file changed after it was sealed is read, planned and copied as it was when sealed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "snapshot-"));
  const uki = join(dir, "a.efi");
  const verified = new Uint8Array(300_000).map((_, i) => i % 251);
  writeFileSync(uki, verified);
  const sys = linuxSys();
  await sys.snapshots.take([uki]);
  // A writer on the ESP swaps the file between the check and the load.
  writeFileSync(uki, new TextEncoder().encode("swapped: something else entirely"));

  expect((await sys.fs.stat(uki))?.size).toBe(verified.byteLength);
  expect(Buffer.from(await sys.fs.readRange(uki, 1000, 16)).equals(Buffer.from(verified.subarray(1000, 1016)))).toBe(true);
  const out = join(dir, "kernel.out");
  await sys.kexec.writeFiles(
    { label: uki, kernel: { type: "range", path: uki, offset: 0, size: verified.byteLength }, initrd: layoutInitrd([], { style: "type2" }), cmdline: "" },
    { kernel: out },
  );
  expect(Buffer.from(readFileSync(out)).equals(Buffer.from(verified))).toBe(true);

  sys.snapshots.release();
  expect((await sys.fs.stat(uki))?.size).toBe(32);
});

test("the sealed copy cannot be written through its descriptor either", async () => {
  const dir = mkdtempSync(join(tmpdir(), "snapshot-"));
  const file = join(dir, "k");
  writeFileSync(file, "kernel bytes");
  const sys = linuxSys();
  await sys.snapshots.take([file]);
  // The copy is the memfd named after the file; writing to it fails with EPERM (F_SEAL_WRITE).
  const { readdirSync, readlinkSync } = await import("node:fs");
  const fd = readdirSync("/proc/self/fd").find((n) => {
    try {
      return readlinkSync(`/proc/self/fd/${n}`).startsWith("/memfd:ukiboot-snapshot-k ");
    } catch {
      return false;
    }
  });
  expect(fd).toBeDefined();
  const copy = `/proc/self/fd/${fd}`;
  expect(readFileSync(copy, "utf8")).toBe("kernel bytes");
  let code: string | undefined;
  try {
    const w = openSync(copy, "r+");
    try {
      writeSync(w, "evil");
    } finally {
      closeSync(w);
    }
  } catch (e) {
    code = (e as NodeJS.ErrnoException).code;
  }
  expect(code).toBe("EPERM");
  sys.snapshots.release();
});

/** A UKI of `initrdBytes` of .initrd (a pattern, so a swapped or skipped chunk changes the digest). */
function bigUki(initrdBytes: number): Uint8Array {
  const initrd = new Uint8Array(initrdBytes).map((_, i) => (i * 31 + (i >> 20)) % 253);
  return writeUki({ linux: new Uint8Array(70_000).fill(7), initrd, cmdline: "quiet", osRelease: 'ID=test\nPRETTY_NAME="Test"\n' });
}

/** The digest the verifier takes when it reads the ranges itself. */
function verifierDigest(image: Uint8Array): string {
  const { ranges } = planAuthenticodeHash(image.subarray(0, AUTHENTICODE_HEAD_SIZE), image.byteLength, { source: "test" });
  return toHex(digestRangesInMemory(image, ranges, ["sha256"]).sha256!);
}

const CASES = [
  { name: "in this thread", table: () => new SnapshotTable({ useThread: false }), bytes: (3 << 20) + 12345 },
  { name: "on a second thread", table: () => new SnapshotTable({ useThread: true }), bytes: (12 << 20) + 12345 },
];

for (const c of CASES) {
  test(`an image's Authenticode digest is taken ${c.name} from the bytes written into its copy, and is the verifier's`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "snapshot-"));
    const uki = join(dir, "big.efi");
    const image = bigUki(c.bytes);
    writeFileSync(uki, image);
    const table = c.table();
    const asked: string[] = [];
    const digests = await table.take([uki], (path) => {
      asked.push(path);
      return ["sha256"];
    });
    writeFileSync(uki, "swapped");
    expect(asked).toEqual([uki]);
    expect(toHex(digests.get(uki)!.digests.sha256!)).toBe(verifierDigest(image));
    expect(table.threadFailure).toBeUndefined();
    expect(Buffer.from(readFileSync(table.resolve(uki))).equals(Buffer.from(image))).toBe(true);
    // A path already sealed is neither copied nor hashed again.
    const again = await table.take([uki], () => {
      throw new Error("not sealed twice");
    });
    expect(again.size).toBe(0);
    table.release();
  });
}

/**
 * A 12 MiB UKI sealed through a thread running `workerSource` instead of the real one: the copy must be whole
 * and carry no digest, whatever the thread did. Returns why the table gave the thread up.
 */
async function sealThroughBrokenThread(workerSource: string, stallMs?: number): Promise<string | undefined> {
  const dir = mkdtempSync(join(tmpdir(), "snapshot-"));
  const uki = join(dir, "big.efi");
  const image = bigUki(12 << 20);
  writeFileSync(uki, image);
  const worker = join(dir, "broken-worker.ts");
  writeFileSync(worker, workerSource);
  const table = new SnapshotTable({ useThread: true, thread: new DigestThread(worker, stallMs) });
  const digests = await table.take([uki], () => ["sha256"]);
  expect(digests.size).toBe(0);
  expect(Buffer.from(readFileSync(table.resolve(uki))).equals(Buffer.from(image))).toBe(true);
  const failure = table.threadFailure;
  table.release();
  return failure;
}

test("a second thread that fails leaves the copy whole and gives no digest: the verifier reads the ranges itself", async () => {
  // A thread that dies on the first buffer it is handed.
  const failure = await sealThroughBrokenThread('self.onmessage = (e) => { if (e.data.kind === "chunk") throw new Error("the hashing thread broke"); };\n');
  expect(failure).toContain("the hashing thread broke");
});

test("a second thread that stops answering is given up after its time, and the copy is still made whole", async () => {
  expect(await sealThroughBrokenThread("self.onmessage = () => {};\n", 200)).toBe("it handed no buffer back for 0.2 s");
});

test("a second thread that ends by itself is noticed at once, not after its time", async () => {
  // A stall time no test would wait for: only the thread's end can end the wait.
  const failure = await sealThroughBrokenThread('self.onmessage = (e) => { if (e.data.kind === "chunk") process.exit(0); };\n', 600_000);
  expect(failure).toBe("it ended");
});

test("after a copy that failed half-way, the thread still hashes the next one right", async () => {
  const dir = mkdtempSync(join(tmpdir(), "snapshot-"));
  const thread = new DigestThread();
  const image = bigUki(12 << 20);
  const a = join(dir, "a.efi");
  writeFileSync(a, image);
  const inFd = openSync(a, "r");
  const outFd = openSync(join(dir, "a.copy"), "w");
  // The file is shorter than the copy asks for: the copy throws after some buffers went to the thread.
  await expect(thread.copy(inFd, image.byteLength + (4 << 20), outFd, { algorithms: ["sha256"], source: a })).rejects.toThrow("ended after");
  closeSync(inFd);
  closeSync(outFd);
  const table = new SnapshotTable({ useThread: true, thread });
  const b = join(dir, "b.efi");
  const other = bigUki(10 << 20);
  writeFileSync(b, other);
  const digests = await table.take([b], () => ["sha256"]);
  expect(table.threadFailure).toBeUndefined();
  expect(toHex(digests.get(b)!.digests.sha256!)).toBe(verifierDigest(other));
  table.release();
});
