/**
 * Benchmark: which compression for dist/initramfs.cpio.zst. For each candidate, the compressed size, the
 * host's decompression time, and the time from QEMU start (LinuxBoot style, TCG) until ukiboot prints
 * its first line, which includes the kernel unpacking the initramfs. The reference is the uncompressed cpio
 * in the same run. Run with `bun run bench initramfs-compression`.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "../../build/build.ts";
import { debianParts, REPO_ROOT } from "../../build/debian.ts";
import { run } from "../../build/lib/run-command.ts";
import { startVm } from "../lab/qemu.ts";

const parts = await debianParts();
const raw = join(REPO_ROOT, "dist", "initramfs.cpio");
if (!existsSync(raw)) await build({ modulesDir: parts.modulesDir });

const work = mkdtempSync(join(tmpdir(), "bench-compress-"));
const candidates: { name: string; file: string; compress: string[]; decompress: string[] }[] = [
  { name: "none", file: raw, compress: [], decompress: ["cat", raw] },
  ...[3, 9, 15, 19].map((l) => ({
    name: `zstd -${l}`,
    file: join(work, `z${l}.zst`),
    compress: ["zstd", "-q", "-f", `-${l}`, "-T0", raw, "-o", join(work, `z${l}.zst`)],
    decompress: ["zstd", "-dc", join(work, `z${l}.zst`)],
  })),
  {
    name: "xz -6 (crc32)",
    file: join(work, "x.xz"),
    compress: ["sh", "-c", `xz -6 -T0 --check=crc32 -c ${raw} > ${join(work, "x.xz")}`],
    decompress: ["xz", "-dc", join(work, "x.xz")],
  },
  {
    name: "gzip -9",
    file: join(work, "g.gz"),
    compress: ["sh", "-c", `gzip -9 -c ${raw} > ${join(work, "g.gz")}`],
    decompress: ["gzip", "-dc", join(work, "g.gz")],
  },
  {
    name: "lz4 -l -9",
    file: join(work, "l.lz4"),
    compress: ["sh", "-c", `lz4 -l -9 -q -c ${raw} > ${join(work, "l.lz4")}`],
    decompress: ["lz4", "-dc", join(work, "l.lz4")],
  },
];

async function timeToUkiboot(initrd: string): Promise<number> {
  const vm = startVm({ kernel: parts.vmlinuz, initrd, append: "console=ttyS0 panic=-1 quiet ukiboot.wait=0" });
  const t0 = performance.now();
  try {
    await vm.expect(/ukiboot: started/, 300_000);
    return (performance.now() - t0) / 1000;
  } finally {
    await vm.kill();
  }
}

const rows: string[] = [];
for (const c of candidates) {
  if (c.compress.length) await run(c.compress);
  const size = statSync(c.file).size;
  const t0 = performance.now();
  await run(["sh", "-c", `${c.decompress.map((a) => `'${a}'`).join(" ")} > /dev/null`]);
  const decomp = (performance.now() - t0) / 1000;
  const boot = await timeToUkiboot(c.file);
  rows.push(`| ${c.name} | ${size.toLocaleString("en-US")} | ${decomp.toFixed(2)} s | ${boot.toFixed(1)} s |`);
  console.log(rows.at(-1));
}
rmSync(work, { recursive: true, force: true });
console.log("\n| compression | bytes | host decompression | QEMU start → ukiboot's first line (TCG) |\n| --- | --- | --- | --- |\n" + rows.join("\n"));
