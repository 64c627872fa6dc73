/**
 * A Sys for flow tests: the real read-only filesystem over fixture trees, a kexec loader that records what
 * it would have loaded (and can be scripted to fail with an errno), and a log that keeps its lines.
 */
import { existsSync, readFileSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { errnoByName, SysCallError } from "../../src/errors.ts";
import { materializeSource, type ByteSource } from "../../src/initrd/byte-source.ts";
import { materializeInitrd } from "../../src/initrd/initrd-layout.ts";
import type { LoadPlan } from "../../src/model/load-plan.ts";
import { Efivarfs } from "../../src/linux/efivarfs.ts";
import { NodeFs } from "../../src/linux/node-fs.ts";
import type { KexecLoader, Log, Sys } from "../../src/ports/sys.ts";
import type { TpmTransport } from "../../src/tpm/tpm2-client.ts";

const readSync = (path: string, offset: number, size: number) => new Uint8Array(readFileSync(path)).subarray(offset, offset + size);

/** The bytes of a source, reading file ranges from disk. */
export function readSource(s: ByteSource): Uint8Array {
  return materializeSource(s, readSync);
}

/** The bytes the real loader would put into the initrd memfd. */
export function materialiseInitrd(plan: LoadPlan): Uint8Array {
  return materializeInitrd(plan.initrd, readSync);
}

export class FakeKexec implements KexecLoader {
  loaded: LoadPlan[] = [];
  execs = 0;
  /** Entry id → errno name that load() fails with, like the kernel would. */
  failures = new Map<string, string>();
  /** A finer script: the errno name a given load fails with, or undefined to let it load. */
  failWhen: ((plan: LoadPlan) => string | undefined) | undefined;
  unloads = 0;

  async load(plan: LoadPlan): Promise<void> {
    const errno = this.failures.get(plan.entryId) ?? this.failWhen?.(plan);
    if (errno) throw new SysCallError("kexec_file_load", "kernel=3, initrd=4", errnoByName(errno) ?? 22, { action: `load "${plan.label}"` });
    this.loaded.push(plan);
  }
  async unload(): Promise<void> {
    this.unloads++;
    this.loaded = [];
  }
  async exec(): Promise<void> {
    this.execs++;
  }
  isLoaded(): boolean {
    return this.loaded.length > 0;
  }
}

export class MemoryLog implements Log {
  lines: string[] = [];
  info(m: string): void {
    this.lines.push(`info: ${m}`);
  }
  warn(m: string): void {
    this.lines.push(`warn: ${m}`);
  }
  error(m: string): void {
    this.lines.push(`error: ${m}`);
  }
  debug(m: string): void {
    this.lines.push(`debug: ${m}`);
  }
  text(): string {
    return this.lines.join("\n");
  }
}

/**
 * A Sys over real files with a recording kexec. EFI variables come from `efivarfs`, a directory laid out
 * like efivarfs (a fake tree a test fills), or are unavailable as on a LinuxBoot payload.
 */
export function fakeSys(
  opts: { efivarfs?: string; kernelConfig?: string; lockdown?: string; tpm?: TpmTransport; efi?: boolean } = {},
): Sys & { kexec: FakeKexec; log: MemoryLog; prepared: number; efivars: Efivarfs } {
  const sys = {
    kernelConfigText: () => opts.kernelConfig ?? null,
    lockdownText: () => opts.lockdown ?? null,
    openTpm: () => opts.tpm ?? null,
    isEfiBoot: () => opts.efi ?? false,
    bootId: () => "0123456789abcdef0123456789abcdef",
    fs: new NodeFs(),
    efivars: new Efivarfs(opts.efivarfs ?? "/nonexistent/efivars"),
    kexec: new FakeKexec(),
    log: new MemoryLog(),
    prepared: 0,
    async prepareForExec() {
      sys.prepared++;
    },
    renameOnEsp(path: string, newName: string) {
      const to = join(dirname(path), newName);
      if (existsSync(to)) throw new Error(`Cannot rename "${path}": "${to}" exists`);
      renameSync(path, to);
    },
  };
  return sys;
}
