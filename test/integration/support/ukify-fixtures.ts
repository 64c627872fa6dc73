/**
 * Real UKIs and add-ons for tests, built by the real ukify 257 with the real Debian trixie stubs
 * (build/debian.ts), each once per input and code (test/lab/build-once.ts). A small fake kernel keeps fixtures small; `linux: "debian"`
 * puts the real trixie vmlinuz in.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { debianParts, systemd262Parts } from "../../../build/debian.ts";
import { buildOnce } from "../../lab/build-once.ts";
import { run } from "../../../build/lib/run-command.ts";
import { type AddonSpec, fakeKernel, type ProfileSpec, type UkiSpec as WrittenUkiSpec } from "../../support/uki-fixtures.ts";

export type { AddonSpec, ProfileSpec };
export { fakeKernel };

/** The unit fixtures' spec (test/support/uki-fixtures.ts), plus what only the real ukify can build. */
export interface UkiSpec extends Omit<WrittenUkiSpec, "linux"> {
  /** Size of the fake kernel in bytes (default 4096), or the real Debian trixie vmlinuz. */
  linux?: number | "debian";
  /** Build with systemd 262's ukify and stubs (Debian forky) instead of 257's. */
  systemd?: 262;
}

/** The ukify and stubs of the chosen systemd: trixie's 257, or forky's 262. */
async function tools(systemd: 262 | undefined): Promise<{ ukify: { argv: string[]; env: Record<string, string> }; linuxStub: string; addonStub: string }> {
  return systemd === 262 ? await systemd262Parts() : await debianParts();
}

async function ukify(args: string[], workDir: string, systemd?: 262): Promise<void> {
  const t = await tools(systemd);
  await run([...t.ukify.argv, ...args], { cwd: workDir, env: t.ukify.env });
}

/** Writes `name` into `dir` and returns its path (ukify takes files for --linux/--initrd). */
function put(dir: string, name: string, data: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

/** Builds one UKI or add-on once per spec, stubs and code (test/lab/build-once.ts); returns its path. */
async function cached(kind: string, key: unknown, build: (work: string, out: string) => Promise<void>, systemd?: 262): Promise<string> {
  const parts = await tools(systemd);
  // The stubs and ukify are inputs too, so a new Debian build gives new fixtures.
  const files = [parts.linuxStub, parts.addonStub, parts.ukify.argv.at(-1)!];
  const dir = await buildOnce(`fixture-${kind}`, { inputs: key, code: import.meta.path, files }, async (out) => {
    const work = join(out, "work");
    mkdirSync(work, { recursive: true });
    await build(work, join(out, `${kind}.efi`));
    rmSync(work, { recursive: true, force: true });
  });
  return join(dir, `${kind}.efi`);
}

function sectionArgs(sections: Record<string, string> | [string, string][] | undefined): string[] {
  const pairs = Array.isArray(sections) ? sections : Object.entries(sections ?? {});
  return pairs.flatMap(([name, text]) => ["--section", `${name}:${text}`]);
}

/**
 * Builds (or reuses) a UKI with ukify and the real linuxx64.efi.stub; returns its cached path.
 * @example await buildUki({ osRelease: "ID=acme\nPRETTY_NAME=\"Acme OS\"\n", cmdline: "quiet" })
 */
export async function buildUki(spec: UkiSpec): Promise<string> {
  return cached(
    "uki",
    spec,
    async (work, out) => {
      const parts = await debianParts();
      const t = await tools(spec.systemd);
      const args = ["build", "--stub", t.linuxStub, "--output", out];
      if (spec.linux === "debian") args.push("--linux", parts.vmlinuz);
      else args.push("--linux", put(work, "linux", fakeKernel(spec.linux ?? 4096)));
      const uname = spec.uname ?? (spec.linux === "debian" ? undefined : "6.12.0-fake");
      if (uname !== undefined) args.push("--uname", uname);
      if (spec.osRelease !== undefined) args.push("--os-release", spec.osRelease);
      if (spec.cmdline !== undefined) args.push("--cmdline", spec.cmdline);
      if (spec.initrd !== undefined) args.push("--initrd", put(work, "initrd", spec.initrd));
      if (spec.ucode !== undefined) args.push("--microcode", put(work, "ucode", spec.ucode));
      if (spec.profile !== undefined) args.push("--profile", spec.profile);
      args.push(...sectionArgs(spec.sections));
      let n = 0;
      for (const p of spec.profiles ?? []) {
        const pout = join(work, `profile-${n++}.efi`);
        const pargs = ["build", "--stub", t.addonStub, "--output", pout, "--profile", p.profile];
        if (p.cmdline !== undefined) pargs.push("--cmdline", p.cmdline);
        if (p.osRelease !== undefined) pargs.push("--os-release", p.osRelease);
        if (p.uname !== undefined) pargs.push("--uname", p.uname);
        if (p.initrd !== undefined) pargs.push("--initrd", put(work, `profile-${n}-initrd`, p.initrd));
        await ukify(pargs, work, spec.systemd);
        args.push("--join-profile", pout);
      }
      await ukify(args, work, spec.systemd);
    },
    spec.systemd,
  );
}

/**
 * Builds (or reuses) an add-on with ukify and the real addonx64.efi.stub; returns its cached path.
 * @example await buildAddon({ cmdline: "debug" })
 */
export async function buildAddon(spec: AddonSpec): Promise<string> {
  return cached("addon", spec, async (work, out) => {
    const parts = await debianParts();
    const args = ["build", "--stub", parts.addonStub, "--output", out];
    if (spec.cmdline !== undefined) args.push("--cmdline", spec.cmdline);
    if (spec.uname !== undefined) args.push("--uname", spec.uname);
    if (spec.initrd !== undefined) args.push("--initrd", put(work, "initrd", spec.initrd));
    if (spec.ucode !== undefined) args.push("--microcode", put(work, "ucode", spec.ucode));
    args.push(...sectionArgs(spec.sections));
    await ukify(args, work);
  });
}

/** The bytes of a built fixture. */
export function fixtureBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** `ukify inspect --json=short --all` of a file: the reference for section sizes and hashes. */
export async function ukifyInspect(path: string): Promise<Record<string, { size: number; sha256: string; text?: string }>> {
  const parts = await debianParts();
  const { stdout } = await run([...parts.ukify.argv, "inspect", path, "--json=short", "--all"], { env: parts.ukify.env });
  return JSON.parse(stdout);
}
