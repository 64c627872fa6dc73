/**
 * Real initrd members made with the real tools (GNU cpio, xz, lz4, zstd, gzip, bzip2, lzma, lzop), built once
 * once per command and input (test/lab/build-once.ts).
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { buildOnceSync } from "../../lab/build-once.ts";

const digest = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

/** Runs `argv` with `input` on stdin and returns stdout, built once per argv and input (test/lab/build-once.ts). */
export function cachedFilter(argv: string[], input: Uint8Array): Uint8Array {
  const dir = buildOnceSync(`member-${argv[0]}`, { inputs: { argv, input: digest(input) }, code: import.meta.path }, (out) => {
    const r = Bun.spawnSync(argv, { stdin: input, stdout: "pipe", stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} failed: ${r.stderr.toString()}`);
    writeFileSync(join(out, "out.bin"), new Uint8Array(r.stdout));
  });
  return new Uint8Array(readFileSync(join(dir, "out.bin")));
}

/**
 * A newc archive written by GNU cpio (reproducible: no device numbers, renumbered inodes) of the given
 * files; directories are created from the paths. Names are archived without a leading "./".
 */
export function gnuCpioArchive(files: Record<string, string | Uint8Array>): Uint8Array {
  const inputs = Object.entries(files).map(([k, v]) => [k, digest(v)]);
  const dir = buildOnceSync("member-gnu-cpio", { inputs, code: import.meta.path }, (out) => {
    const tree = join(out, "tree");
    const names = new Set<string>();
    for (const [name, content] of Object.entries(files)) {
      const parts = name.split("/");
      for (let i = 1; i < parts.length; i++) names.add(parts.slice(0, i).join("/"));
      mkdirSync(join(tree, dirname(name)), { recursive: true });
      writeFileSync(join(tree, name), content);
      names.add(name);
    }
    const list = [...names].sort().join("\n") + "\n";
    const r = Bun.spawnSync(["cpio", "-o", "-H", "newc", "--quiet", "--reproducible"], {
      cwd: tree,
      stdin: new TextEncoder().encode(list),
      stdout: "pipe",
      stderr: "pipe",
    });
    if (r.exitCode !== 0) throw new Error(`cpio -o failed: ${r.stderr.toString()}`);
    writeFileSync(join(out, "archive.cpio"), new Uint8Array(r.stdout));
  });
  return new Uint8Array(readFileSync(join(dir, "archive.cpio")));
}

/** A small archive with a few files, the payload every compressed member carries. */
export function payloadArchive(tag: string): Uint8Array {
  return gnuCpioArchive({ [`etc/${tag}.conf`]: `member=${tag}\n`, "usr/lib/modules/README": "x".repeat(300) });
}

export const compress = {
  gzip: (b: Uint8Array) => cachedFilter(["gzip", "-9", "-n", "-c"], b),
  bzip2: (b: Uint8Array) => cachedFilter(["bzip2", "-9", "-c"], b),
  lzma: (b: Uint8Array) => cachedFilter(["lzma", "-c"], b),
  xzCrc32: (b: Uint8Array) => cachedFilter(["xz", "--check=crc32", "-c"], b),
  xzCrc64: (b: Uint8Array) => cachedFilter(["xz", "--check=crc64", "-c"], b),
  xzSha256: (b: Uint8Array) => cachedFilter(["xz", "--check=sha256", "-c"], b),
  xzNone: (b: Uint8Array) => cachedFilter(["xz", "--check=none", "-c"], b),
  xzX86: (b: Uint8Array) => cachedFilter(["xz", "--check=crc32", "--x86", "--lzma2", "-c"], b),
  xzDelta: (b: Uint8Array) => cachedFilter(["xz", "--check=crc32", "--delta=dist=4", "--lzma2", "-c"], b),
  lz4Legacy: (b: Uint8Array) => cachedFilter(["lz4", "-l", "-c"], b),
  lz4Frame: (b: Uint8Array) => cachedFilter(["lz4", "-c"], b),
  zstd: (b: Uint8Array) => cachedFilter(["zstd", "-q", "-c"], b),
  lzo: (b: Uint8Array) => cachedFilter(["lzop", "-c"], b),
};

export function hasProgram(name: string): boolean {
  return Bun.which(name) !== null;
}
