/**
 * `bun run build [-- --modules DIR] [--trust CERT…] [--no-initramfs]`: compiles dist/ukiboot and packs
 * dist/initramfs.cpio.zst (binary, libraries, busybox shim, and with --modules the ESP drivers).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { compileUkiboot } from "./compile.ts";
import { debianParts, ensureHostTools, REPO_ROOT } from "./debian.ts";
import { buildInitramfs, type InitramfsReport } from "./initramfs.ts";

export interface BuildOptions {
  modulesDir?: string;
  initramfs?: boolean;
  zstdLevel?: number;
}

export async function build(opts: BuildOptions = {}): Promise<{ binary: string; initramfs: InitramfsReport | null }> {
  const binary = await compileUkiboot();
  if (opts.initramfs === false) return { binary, initramfs: null };
  await ensureHostTools();
  const parts = await debianParts();
  const report = await buildInitramfs({
    binary,
    busybox: parts.busybox,
    ...(opts.modulesDir ? { modulesDir: opts.modulesDir } : {}),
    ...(opts.zstdLevel ? { zstdLevel: opts.zstdLevel } : {}),
  });
  writeFileSync(join(REPO_ROOT, "dist", "initramfs-report.json"), `${JSON.stringify(report, null, 2)}\n`);
  return { binary, initramfs: report };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: {
      modules: { type: "string" },
      "no-initramfs": { type: "boolean" },
      "zstd-level": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log("Usage: bun run build [-- --modules DIR] [--no-initramfs] [--zstd-level N]\n\n  --modules DIR   a lib/modules/<version> tree: ship the modules needed to read an ESP\n  --no-initramfs  only compile dist/ukiboot");
    process.exit(0);
  }
  const r = await build({
    ...(values.modules ? { modulesDir: values.modules } : {}),
    initramfs: !values["no-initramfs"],
    ...(values["zstd-level"] ? { zstdLevel: Number(values["zstd-level"]) } : {}),
  });
  console.log(`dist/ukiboot: ${Bun.file(r.binary).size} bytes`);
  if (r.initramfs) console.log(`dist/initramfs.cpio.zst: ${r.initramfs.compressedBytes} bytes (${r.initramfs.rawBytes} uncompressed)`);
}
