/** The installer's port over this machine: node:fs for files, statfs(2) for free space, Bun.spawn for programs. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmdirSync, rmSync, statfsSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { InstallHost, ProgramResult } from "../ports/install-host.ts";
import { writeFileReplacing } from "./write-replacing.ts";

function readIfExists(path: string): Uint8Array | null {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

export function createLinuxInstallHost(): InstallHost {
  return {
    readFile: readIfExists,
    exists: (p) => existsSync(p),
    listDir: (p) => (existsSync(p) ? readdirSync(p) : []),
    realpath: (p) => realpathSync(p),
    freeBytes: (p) => {
      const s = statfsSync(p);
      return s.bavail * s.bsize;
    },
    writeFile: (path, data) => writeFileReplacing(path, data, 0o644),
    rename: (from, to) => {
      mkdirSync(dirname(to), { recursive: true });
      renameSync(from, to);
    },
    remove: (p) => {
      try {
        unlinkSync(p);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    },
    removeEmptyDir: (p) => {
      try {
        rmdirSync(p);
        return true;
      } catch {
        return false;
      }
    },
    scratchDir: () => mkdtempSync(join(tmpdir(), "ukiboot-install-")),
    dropScratch: (d) => rmSync(d, { recursive: true, force: true }),
    // A compiled binary's modules live under /$bunfs; from the sources, /proc/self/exe is bun itself.
    selfPath: () => (import.meta.path.startsWith("/$bunfs/") ? realpathSync("/proc/self/exe") : null),
    kernelRelease: () => readFileSync("/proc/sys/kernel/osrelease", "utf8").trim(),
    which: (...names) => {
      for (const n of names) {
        const found = n.startsWith("/") ? (existsSync(n) ? n : null) : Bun.which(n);
        if (found) return found;
      }
      return null;
    },
    run: async (argv, opts = {}): Promise<ProgramResult> => {
      const p = Bun.spawn([...argv], { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...opts.env } });
      const [out, stderr, code] = await Promise.all([new Response(p.stdout).bytes(), new Response(p.stderr).text(), p.exited]);
      return { code, stdout: new TextDecoder().decode(out), stdoutBytes: out, stderr };
    },
    now: () => new Date(),
  };
}
