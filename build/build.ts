/**
 * `bun run build [-- --modules DIR] [--trust CERT…] [--allow-rescue-shell] [--no-initramfs] [--deb]`: compiles
 * dist/ukiboot and packs dist/initramfs.cpio.zst (binary, libraries, busybox shim, and with --modules the
 * ESP drivers); --deb also writes the Debian package (build/deb.ts). --trust embeds certificates as trust anchors, the only ones a boot without UEFI (a
 * LinuxBoot payload) has; --allow-rescue-shell keeps the rescue shell under enforce, for lab images.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseCertificateFile } from "../src/trust/certificate.ts";
import { parseArgs } from "node:util";
import { buildIsCurrent, buildKeys, clearBuildStamp, type StampOptions, writeBuildStamp } from "./build-stamp.ts";
import { compileUkiboot, hostArch } from "./compile.ts";
import { debianArm64Parts, debianParts, ensureHostTools, REPO_ROOT } from "./debian.ts";
import { ARM64_LIBRARY_PATH } from "./lib/elf-deps.ts";
import { buildDeb } from "./deb.ts";
import { buildInitramfs, type InitramfsReport } from "./initramfs.ts";

export interface BuildOptions {
  /** The target architecture; default the host's. arm64 builds into dist/arm64/ with Debian's arm64 parts. */
  arch?: "x64" | "arm64";
  modulesDir?: string;
  initramfs?: boolean;
  zstdLevel?: number;
  /** Certificate files (PEM or DER) to embed as trust anchors. */
  trust?: string[];
  /** Keep the rescue shell available while signatures are enforced (lab images only). */
  allowRescueShell?: boolean;
  /** Certificate files installed into the initramfs's trust.d (besides or instead of --trust). */
  imageAnchors?: string[];
  /** PEM CA certificates pinned for HTTPS downloads (docs/network.md §3): installed in trust.d/tls. */
  tlsCas?: string[];
}

/** The build-time definitions: embedded anchors (as PEM or base64 DER text) and the rescue-shell switch. */
export function buildDefines(opts: Pick<BuildOptions, "trust" | "allowRescueShell">): Record<string, string> {
  const anchors = (opts.trust ?? []).map((file) => {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(file));
    } catch (e) {
      throw new Error(`Cannot embed the trust anchor "${file}": ${(e as Error).message}; give a PEM or DER certificate file`);
    }
    // Refused here, with the file's name, rather than at every boot.
    parseCertificateFile(bytes, { source: file });
    const text = new TextDecoder().decode(bytes);
    const pem = text.includes("-----BEGIN CERTIFICATE-----")
      ? text
      : `-----BEGIN CERTIFICATE-----\n${Buffer.from(bytes).toString("base64")}\n-----END CERTIFICATE-----\n`;
    return { name: basename(file), pem };
  });
  return {
    ...(anchors.length ? { UKIBOOT_BUILTIN_TRUST: JSON.stringify(JSON.stringify(anchors)) } : {}),
    ...(opts.allowRescueShell ? { UKIBOOT_ALLOW_RESCUE_SHELL: '"1"' } : {}),
  };
}

/** Where a build of `arch` goes: dist/, or dist/<arch>/ for another architecture than this machine's. */
export function distDir(arch: "x64" | "arm64" = hostArch()): string {
  return arch === hostArch() ? join(REPO_ROOT, "dist") : join(REPO_ROOT, "dist", arch);
}

/** The options that make a build what it is, as its stamp records them (build/build-stamp.ts). */
export function stampOptions(opts: BuildOptions): StampOptions {
  return {
    arch: opts.arch ?? hostArch(),
    initramfs: opts.initramfs !== false,
    ...(opts.modulesDir ? { modulesDir: opts.modulesDir } : {}),
    ...(opts.zstdLevel ? { zstdLevel: opts.zstdLevel } : {}),
    ...(opts.trust?.length ? { trust: opts.trust } : {}),
    ...(opts.allowRescueShell ? { allowRescueShell: true } : {}),
    ...(opts.imageAnchors?.length ? { imageAnchors: opts.imageAnchors } : {}),
    ...(opts.tlsCas?.length ? { tlsCas: opts.tlsCas } : {}),
  };
}

/**
 * Builds unless dist/ already holds this build of the tree as it is (build/build-stamp.ts); for the tests, the
 * demo and the benchmarks, which must never run a stale or differently built binary or image.
 */
export async function ensureBuilt(opts: BuildOptions = {}): Promise<{ built: boolean }> {
  if (buildIsCurrent(distDir(opts.arch), stampOptions(opts))) return { built: false };
  await build(opts);
  return { built: true };
}

export async function build(opts: BuildOptions = {}): Promise<{ binary: string; initramfs: InitramfsReport | null }> {
  const arch = opts.arch ?? hostArch();
  const foreign = arch !== hostArch();
  const out = distDir(arch);
  // The key of the tree as it is when the build starts: a source changed meanwhile makes the stamp stale.
  const stamp = stampOptions(opts);
  const keys = buildKeys(stamp);
  mkdirSync(out, { recursive: true });
  clearBuildStamp(out);
  const binary = await compileUkiboot({ arch, outfile: join(out, "ukiboot"), define: buildDefines(opts) });
  if (opts.initramfs === false) {
    writeBuildStamp(out, keys, stamp);
    return { binary, initramfs: null };
  }
  await ensureHostTools();
  const parts = await debianParts();
  const arm64 = arch === "arm64" && foreign ? await debianArm64Parts() : undefined;
  const modulesDir = opts.modulesDir ?? arm64?.modulesDir;
  const report = await buildInitramfs({
    binary,
    busybox: arm64?.busybox ?? parts.busybox,
    output: join(out, "initramfs.cpio.zst"),
    ...(arm64 ? { foreign: { sysroot: arm64.sysroot, libraryPath: ARM64_LIBRARY_PATH, appletLister: parts.busybox } } : {}),
    ...(modulesDir ? { modulesDir } : {}),
    ...(opts.zstdLevel ? { zstdLevel: opts.zstdLevel } : {}),
    ...(opts.imageAnchors?.length ? { anchors: opts.imageAnchors } : {}),
    ...(opts.allowRescueShell ? { allowRescueShell: true } : {}),
    ...(opts.tlsCas?.length ? { tlsCas: opts.tlsCas } : {}),
  });
  writeFileSync(join(out, "initramfs-report.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeBuildStamp(out, keys, stamp);
  return { binary, initramfs: report };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: {
      modules: { type: "string" },
      arch: { type: "string" },
      trust: { type: "string", multiple: true },
      "trust-in-image": { type: "string", multiple: true },
      "trust-tls": { type: "string", multiple: true },
      "allow-rescue-shell": { type: "boolean" },
      "no-initramfs": { type: "boolean" },
      "zstd-level": { type: "string" },
      deb: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(
      [
        "Usage: bun run build [-- --arch ARCH] [--modules DIR] [--trust CERT…] [--trust-tls CA…] [--allow-rescue-shell] [--no-initramfs] [--zstd-level N]",
        "",
        "  --arch ARCH           x64 or arm64 (default: this machine's); another architecture builds into dist/ARCH/",
        "  --modules DIR         a lib/modules/<version> tree: ship the modules needed to read an ESP",
        "  --trust CERT          embed this certificate (PEM or DER) as a trust anchor; repeatable",
        "  --trust-in-image CERT install it in the initramfs's /etc/ukiboot/trust.d instead; repeatable",
        "  --trust-tls CERT      pin this PEM CA for HTTPS downloads (only pinned CAs are then trusted); repeatable",
        "  --allow-rescue-shell  keep the rescue shell while signatures are enforced (lab images only)",
        "  --no-initramfs        only compile dist/ukiboot",
        "  --deb                 also write dist/ukiboot_<version>_<arch>.deb (dpkg-deb)",
      ].join("\n"),
    );
    process.exit(0);
  }
  if (values.arch !== undefined && values.arch !== "x64" && values.arch !== "arm64") {
    console.error(`bun run build: --arch ${values.arch} is not supported; use x64 or arm64`);
    process.exit(2);
  }
  const r = await build({
    ...(values.arch ? { arch: values.arch as "x64" | "arm64" } : {}),
    ...(values.modules ? { modulesDir: values.modules } : {}),
    initramfs: !values["no-initramfs"],
    ...(values.trust ? { trust: values.trust } : {}),
    ...(values["trust-in-image"] ? { imageAnchors: values["trust-in-image"] } : {}),
    ...(values["trust-tls"] ? { tlsCas: values["trust-tls"] } : {}),
    ...(values["allow-rescue-shell"] ? { allowRescueShell: true } : {}),
    ...(values["zstd-level"] ? { zstdLevel: Number(values["zstd-level"]) } : {}),
  });
  console.log(`${r.binary}: ${Bun.file(r.binary).size} bytes`);
  if (r.initramfs) console.log(`${r.initramfs.output}: ${r.initramfs.compressedBytes} bytes (${r.initramfs.rawBytes} uncompressed)`);
  if (values.deb) {
    const arch = (values.arch as "x64" | "arm64" | undefined) ?? hostArch();
    const deb = await buildDeb({ binary: r.binary, arch, outDir: distDir(arch) });
    console.log(`${deb}: ${Bun.file(deb).size} bytes`);
  }
}
