/**
 * An InstallHost over a scratch directory that stands for `/`, with the programs the installer runs played
 * in TypeScript: busybox lists two applets, ukify writes a UKI with test/support/uki-writer.ts from the
 * sections it is given, sbsign signs with test/support/authenticode-signer.ts using the certificate the test
 * registered for the key's path, and xz/zstd/gzip are not needed because the modules are plain.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { InstallHost, ProgramResult } from "../../src/ports/install-host.ts";
import { signImage } from "./authenticode-signer.ts";
import type { TestCertificate } from "./test-certificates.ts";
import { writeUki } from "./uki-writer.ts";

export interface FakeInstallHost extends InstallHost {
  /** The directory that stands for `/`. */
  readonly root: string;
  /** Every program run, as its argv with paths inside the root. */
  readonly runs: string[][];
  /** Bytes free on every filesystem. */
  free: number;
  /** The certificate (with its key) sbsign uses for a --cert path. */
  readonly signers: Map<string, TestCertificate>;
  put(path: string, data: Uint8Array | string): void;
}

/** A 64-byte ELF header with no program headers: a static binary, so the library closure is empty. */
export function staticElf(): Uint8Array {
  const b = new Uint8Array(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  return b;
}

/** An ELF header with one PT_INTERP program header: a dynamically linked program, whose closure is its loader. */
export function dynamicElf(interpreter: string): Uint8Array {
  const path = new TextEncoder().encode(`${interpreter}\0`);
  const b = new Uint8Array(0x78 + path.length);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  v.setBigUint64(0x20, 0x40n, true); // e_phoff
  v.setUint16(0x36, 56, true); // e_phentsize
  v.setUint16(0x38, 1, true); // e_phnum
  v.setUint32(0x40, 3, true); // PT_INTERP
  v.setBigUint64(0x48, 0x78n, true); // p_offset
  v.setBigUint64(0x60, BigInt(path.length), true); // p_filesz
  b.set(path, 0x78);
  return b;
}

export function fakeInstallHost(opts: { release?: string; programs?: string[] } = {}): FakeInstallHost {
  const root = mkdtempSync(join(tmpdir(), "install-root-"));
  const at = (p: string) => join(root, p);
  const runs: string[][] = [];
  const signers = new Map<string, TestCertificate>();
  const installed = new Set(opts.programs ?? ["busybox", "ukify", "sbsign"]);
  const read = (p: string) => (existsSync(at(p)) ? new Uint8Array(readFileSync(at(p))) : null);
  const ok = (out: Uint8Array | string = ""): ProgramResult => {
    const bytes = typeof out === "string" ? new TextEncoder().encode(out) : out;
    return { code: 0, stdout: new TextDecoder().decode(bytes), stdoutBytes: bytes, stderr: "" };
  };
  const arg = (argv: readonly string[], name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const host: FakeInstallHost = {
    root,
    runs,
    free: 1024 * 1024 * 1024,
    signers,
    put(path, data) {
      mkdirSync(dirname(at(path)), { recursive: true });
      writeFileSync(at(path), data);
    },
    readFile: read,
    exists: (p) => existsSync(at(p)),
    listDir: (p) => (existsSync(at(p)) ? readdirSync(at(p)) : []),
    realpath: (p) => realpathSync(at(p)).slice(root.length),
    freeBytes: () => host.free,
    writeFile: (p, d) => host.put(p, d),
    rename(from, to) {
      mkdirSync(dirname(at(to)), { recursive: true });
      renameSync(at(from), at(to));
    },
    remove(p) {
      if (existsSync(at(p))) unlinkSync(at(p));
    },
    removeEmptyDir(p) {
      try {
        rmdirSync(at(p));
        return true;
      } catch {
        return false;
      }
    },
    scratchDir() {
      const d = `/tmp/scratch-${runs.length}-${Math.random().toString(16).slice(2)}`;
      mkdirSync(at(d), { recursive: true });
      return d;
    },
    dropScratch: (d) => rmSync(at(d), { recursive: true, force: true }),
    selfPath: () => "/usr/bin/ukiboot",
    kernelRelease: () => opts.release ?? "6.12.0-test",
    which(...names) {
      for (const n of names) {
        if (n.startsWith("/")) {
          if (existsSync(at(n))) return n;
        } else if (installed.has(n)) return `/usr/bin/${n}`;
      }
      return null;
    },
    async run(argv) {
      runs.push([...argv]);
      const tool = argv[0]!.split("/").at(-1);
      if (tool === "busybox") return ok("bin/sh\nbin/mount\n");
      if (tool === "ukify") {
        const uki = writeUki({
          linux: read(arg(argv, "linux")!)!,
          initrd: read(arg(argv, "initrd")!)!,
          cmdline: arg(argv, "cmdline")!,
          osRelease: arg(argv, "os-release")!,
          uname: arg(argv, "uname")!,
        });
        host.put(arg(argv, "output")!, uki);
        return ok();
      }
      if (tool === "sbsign") {
        const flag = (f: string) => argv[argv.indexOf(f) + 1]!;
        const signer = signers.get(flag("--cert"));
        if (!signer) return { code: 1, stdout: "", stdoutBytes: new Uint8Array(), stderr: "Can't load cert" };
        host.put(flag("--output"), signImage(read(argv.at(-1)!)!, signer));
        return ok();
      }
      return { code: 127, stdout: "", stdoutBytes: new Uint8Array(), stderr: `${tool}: not found` };
    },
    now: () => new Date("2026-12-06T17:00:00.000Z"),
  };
  return host;
}
