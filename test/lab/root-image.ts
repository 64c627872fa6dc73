/**
 * Changes to and reads from an ext4 root file system image without mounting it: debugfs writes files,
 * modes and symlinks in, and reads directories and files back after a boot (e2fsck first replays the
 * journal that a crash or a forced reboot left, since debugfs does not).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../build/lib/run-command.ts";

export type RootChange =
  | { kind: "file"; path: string; from: string; mode?: number }
  | { kind: "text"; path: string; text: string; mode?: number }
  | { kind: "symlink"; path: string; target: string }
  | { kind: "dir"; path: string };

/** Applies `changes` to the ext4 image `image`, in order. Each parent directory must exist or be made first. */
export async function changeRoot(image: string, changes: RootChange[]): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "ukiboot-root-"));
  try {
    const lines: string[] = [];
    for (const [i, c] of changes.entries()) {
      const path = c.path.replace(/^\//, "");
      if (c.kind === "dir") lines.push(`mkdir ${path}`);
      else if (c.kind === "symlink") lines.push(`symlink ${path} ${c.target}`);
      else {
        const from = c.kind === "file" ? c.from : join(work, `text-${i}`);
        if (c.kind === "text") writeFileSync(from, c.text);
        lines.push(`write ${from} ${path}`);
        lines.push(`set_inode_field ${path} mode 0${(0o100000 | (c.mode ?? 0o644)).toString(8)}`);
      }
    }
    writeFileSync(join(work, "commands"), `${lines.join("\n")}\n`);
    const { stderr } = await run(["debugfs", "-w", "-f", join(work, "commands"), image]);
    // debugfs goes on after a failed command and exits 0: its complaints are the errors.
    const errors = stderr.split("\n").filter((l) => l.trim() && !/^debugfs \d/.test(l));
    if (errors.length) throw new Error(`Cannot change the root image "${image}": debugfs said:\n${errors.join("\n")}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Copies the ext4 partition that starts `offsetMiB` into `disk` out to a file, and replays its journal. */
export async function extractRoot(disk: string, offsetMiB: number, sizeMiB: number, output: string): Promise<void> {
  await run(["dd", `if=${disk}`, `of=${output}`, "bs=1M", `skip=${offsetMiB}`, `count=${sizeMiB}`, "conv=sparse", "status=none"]);
  // 0: clean, 1: errors fixed (the journal replayed): both leave a consistent file system to read.
  await run(["e2fsck", "-fy", output], { okCodes: [0, 1] });
}

export interface RootEntry {
  name: string;
  mode: number;
  size: number;
}

/** The entries of directory `path` in `image` (without . and ..). */
export async function listRoot(image: string, path: string): Promise<RootEntry[]> {
  const { stdout } = await run(["debugfs", "-R", `ls -p ${path}`, image]);
  // ls -p: /inode/mode/uid/gid/name/size/
  return stdout
    .split("\n")
    .map((l) => l.trim().split("/"))
    .filter((f) => f.length >= 7 && f[5] !== "." && f[5] !== "..")
    .map((f) => ({ name: f[5]!, mode: parseInt(f[2]!, 8), size: Number(f[6]) }));
}

/** The bytes of file `path` in `image`. */
export async function readRoot(image: string, path: string): Promise<Uint8Array> {
  const work = mkdtempSync(join(tmpdir(), "ukiboot-root-"));
  try {
    await run(["debugfs", "-R", `dump ${path} ${join(work, "out")}`, image]);
    return new Uint8Array(readFileSync(join(work, "out")));
  } catch (e) {
    throw new Error(`Cannot read "${path}" from the root image "${image}": ${(e as Error).message}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
