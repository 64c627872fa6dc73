/**
 * The boot image, built on this machine from its own parts: ukiboot's initramfs (this binary, the libraries
 * its runtime needs, busybox, the ESP's drivers from the kernel's modules), then either a UKI made by the
 * system's ukify around its systemd-stub, or the kernel itself with the initramfs beside it (its EFI stub
 * loads it through `initrd=`). Signed with sbsign when a key is given.
 */
import { BootError } from "../../errors.ts";
import { digest, toHex } from "../../bytes/digest.ts";
import type { EfiArch } from "../../pe/efi-arch.ts";
import { type BootInitramfsModules, bootInitramfsTree } from "../../install/boot-initramfs.ts";
import { INIT_SHIM, UDHCPC_LEASE_SCRIPT } from "../../install/hook-scripts.ts";
import type { BootImageLayout } from "../../install/install-record.ts";
import { ARM64_LIBRARY_PATH, DEFAULT_LIBRARY_PATH, resolveLibraryClosure } from "../../install/library-closure.ts";
import { parseModulesDep } from "../../kernel-modules/module-deps.ts";
import type { InstallHost } from "../../ports/install-host.ts";
import { describeCertificate, parseCertificateFile } from "../../trust/certificate.ts";
import type { BootKernel } from "./boot-kernel.ts";

export interface BootImageRequest {
  readonly arch: EfiArch;
  readonly layout: BootImageLayout;
  readonly kernel: BootKernel;
  /** The ukiboot binary that goes into the initramfs. */
  readonly binary: string;
  readonly cmdline: string;
  /** The systemd-stub to build the UKI around; by default the system's. */
  readonly stub?: string;
  readonly signing?: { readonly key: string; readonly cert: string };
  /** Where the pieces are built; the caller removes it. */
  readonly workDir: string;
}

export interface BootImage {
  /** The file firmware starts: the UKI, or the kernel. */
  readonly image: Uint8Array;
  /** The initramfs beside the kernel in the linux-efi-stub layout. */
  readonly initramfs?: Uint8Array;
  readonly initramfsSha256: string;
  readonly initramfsBytes: { readonly raw: number; readonly compressed: number };
  readonly modules: BootInitramfsModules | null;
  readonly signer: string | null;
  readonly binarySha256: string;
}

/**
 * zstd level of the installed initramfs. Not the build's 15: install runs on the machine, again at every
 * kernel update, and level 15 took eight times as long as 9 for 1.5 % less (docs/install.md §1).
 */
const ZSTD_LEVEL = 9;

const STUBS: Partial<Record<EfiArch, string>> = { x64: "linuxx64.efi.stub", aa64: "linuxaa64.efi.stub" };

const sha256 = (b: Uint8Array) => toHex(digest("sha256", b));

async function program(host: InstallHost, what: string, names: string[], hint: string): Promise<string> {
  const found = host.which(...names);
  if (!found) throw new BootError(`Cannot build the boot image: ${what} is not installed (looked for ${names.join(", ")})`, hint);
  return found;
}

async function runOrFail(host: InstallHost, argv: string[], doing: string, hint: string): Promise<void> {
  const r = await host.run(argv);
  if (r.code !== 0) {
    const said = (r.stderr || r.stdout).trim().split("\n").slice(-3).join(" / ");
    throw new BootError(`Cannot ${doing}: ${argv[0]} exited with status ${r.code}${said ? `: ${said}` : ""}`, hint);
  }
}

/** A module as it goes into the image: uncompressed, with the system's own decompressor. */
async function moduleBytes(host: InstallHost, dir: string, rel: string): Promise<Uint8Array> {
  const path = `${dir}/${rel}`;
  const m = /\.ko\.(xz|zst|gz)$/.exec(rel);
  if (!m) {
    const bytes = host.readFile(path);
    if (!bytes)
      throw new BootError(`Cannot read the kernel module "${path}" that modules.dep names`, "Reinstall the kernel's package: its modules tree is incomplete");
    return bytes;
  }
  const tool = { xz: ["xz", "-dc"], zst: ["zstd", "-dcq"], gz: ["gzip", "-dc"] }[m[1] as "xz" | "zst" | "gz"];
  const path0 = await program(
    host,
    `${tool[0]}, which the kernel's ${m[1]}-compressed modules need,`,
    [tool[0]!],
    `Install it (apt install ${m[1] === "zst" ? "zstd" : m[1] === "xz" ? "xz-utils" : "gzip"})`,
  );
  const r = await host.run([path0, ...tool.slice(1), path]);
  if (r.code !== 0) throw new BootError(`Cannot decompress the kernel module "${path}": ${r.stderr.trim()}`, "Reinstall the kernel's package");
  return r.stdoutBytes;
}

export async function buildBootImage(host: InstallHost, req: BootImageRequest): Promise<BootImage> {
  const binary = host.readFile(req.binary);
  if (!binary) throw new BootError(`Cannot read the ukiboot binary "${req.binary}"`, "Reinstall ukiboot");
  const busyboxPath = await program(host, "busybox", ["busybox", "/usr/lib/initramfs-tools/bin/busybox", "/bin/busybox"], "Install it (apt install busybox)");
  const applets = await host.run([busyboxPath, "--list-full"]);
  if (applets.code !== 0)
    throw new BootError(`Cannot list the applets of "${busyboxPath}": ${applets.stderr.trim()}`, "Install a complete busybox (apt install busybox)");
  const files = { exists: host.exists, realpath: host.realpath, read: (p: string) => host.readFile(p) ?? new Uint8Array(), describe: (p: string) => p };
  const searchPath = req.arch === "aa64" ? ARM64_LIBRARY_PATH : DEFAULT_LIBRARY_PATH;
  // busybox too: Debian's busybox package is linked dynamically (busybox-static is not), and without its
  // libraries the shim's /bin/sh cannot start, so PID 1 would die before ukiboot runs.
  const libs = [...resolveLibraryClosure(req.binary, files, searchPath), ...resolveLibraryClosure(busyboxPath, files, searchPath)].filter(
    (l, i, all) => all.findIndex((o) => o.targetPath === l.targetPath) === i,
  );
  const dir = req.kernel.modulesDir;
  const text = (p: string) => {
    const b = host.readFile(p);
    return b ? new TextDecoder().decode(b) : undefined;
  };
  const { tree, modules } = await bootInitramfsTree({
    shim: INIT_SHIM,
    udhcpcScript: UDHCPC_LEASE_SCRIPT,
    binary,
    libraries: libs.map((l) => ({ targetPath: l.targetPath, file: l.hostPath, read: () => host.readFile(l.hostPath) ?? new Uint8Array() })),
    busybox: host.readFile(busyboxPath) ?? new Uint8Array(),
    applets: applets.stdout.split("\n").filter(Boolean),
    ...(dir
      ? {
          modules: {
            version: req.kernel.release,
            deps: parseModulesDep(text(`${dir}/modules.dep`) ?? ""),
            alias: text(`${dir}/modules.alias`),
            builtin: host.readFile(`${dir}/modules.builtin`) ?? undefined,
            read: (rel: string) => moduleBytes(host, dir, rel),
          },
        }
      : {}),
  });
  const cpio = tree.toCpio();
  const initramfs = new Uint8Array(await Bun.zstdCompress(cpio, { level: ZSTD_LEVEL }));
  const initramfsPath = `${req.workDir}/initramfs.img`;
  host.writeFile(initramfsPath, initramfs);

  let image: Uint8Array;
  if (req.layout === "uki") image = await ukifyBuild(host, req, initramfsPath);
  else image = req.kernel.bytes;

  let signer: string | null = null;
  if (req.signing) {
    const unsigned = `${req.workDir}/unsigned.efi`;
    const signed = `${req.workDir}/signed.efi`;
    host.writeFile(unsigned, image);
    const sbsign = await program(host, "sbsign", ["sbsign"], "Install it (apt install sbsigntool)");
    await runOrFail(
      host,
      [sbsign, "--key", req.signing.key, "--cert", req.signing.cert, "--output", signed, unsigned],
      "sign the boot image",
      "Check that --sign-key and --sign-cert are a matching PEM key and certificate",
    );
    image = host.readFile(signed) ?? new Uint8Array();
    const cert = host.readFile(req.signing.cert);
    const parsed = cert ? parseCertificateFile(cert, { source: req.signing.cert })[0] : undefined;
    signer = parsed ? describeCertificate(parsed).subject : req.signing.cert;
  }
  return {
    image,
    ...(req.layout === "linux-efi-stub" ? { initramfs } : {}),
    initramfsSha256: sha256(initramfs),
    initramfsBytes: { raw: cpio.length, compressed: initramfs.length },
    modules,
    signer,
    binarySha256: sha256(binary),
  };
}

async function ukifyBuild(host: InstallHost, req: BootImageRequest, initramfsPath: string): Promise<Uint8Array> {
  const stubName = STUBS[req.arch];
  const stub = req.stub ? host.which(req.stub) : stubName ? host.which(`/usr/lib/systemd/boot/efi/${stubName}`) : null;
  if (req.stub && !stub)
    throw new BootError(`Cannot build the boot image as a UKI: the stub "${req.stub}" does not exist`, "Pass --stub with a systemd-stub file");
  if (!stub) {
    throw new BootError(
      `Cannot build the boot image as a UKI: systemd-stub for ${req.arch} is not installed (/usr/lib/systemd/boot/efi/${stubName ?? "linux<arch>.efi.stub"})`,
      "Install it (apt install systemd-boot-efi), or pass --layout linux-efi-stub",
    );
  }
  const ukify = await program(
    host,
    "ukify",
    ["ukify", "/usr/lib/systemd/ukify", "/usr/bin/ukify"],
    "Install it (apt install systemd-ukify), or pass --layout linux-efi-stub",
  );
  const out = `${req.workDir}/ukiboot.efi`;
  const kernel = `${req.workDir}/vmlinuz`;
  host.writeFile(kernel, req.kernel.bytes);
  const osRelease = `ID=ukiboot\nNAME="ukiboot"\nPRETTY_NAME="ukiboot boot image"\n`;
  await runOrFail(
    host,
    [
      ukify,
      "build",
      // Not /etc/kernel/uki.conf: it describes the system's own UKIs (their PCR signing keys, their signer),
      // and the boot image takes only what install is given.
      "--config=/dev/null",
      `--linux=${kernel}`,
      `--initrd=${initramfsPath}`,
      `--cmdline=${req.cmdline}`,
      `--uname=${req.kernel.release}`,
      `--os-release=${osRelease}`,
      `--stub=${stub}`,
      `--output=${out}`,
    ],
    "build the boot image with ukify",
    "Check that the kernel is an EFI-stub kernel (Debian's are)",
  );
  const image = host.readFile(out);
  if (!image) throw new BootError(`Cannot build the boot image: ukify wrote no "${out}"`, "Run ukify build by hand to see why");
  return image;
}
