/**
 * Debian's bootctl as a reference implementation on this bookworm machine: trixie's 257 and forky's 262, each
 * run through its own release's ld.so (the machine's glibc is older), with the ESP bind-mounted read-only as a
 * mount root in a private mount namespace, as bootctl requires. Used by the differential tests and the list
 * benchmark; forky's also makes `bootctl link` trees.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchDebianPackages } from "../../build/debian.ts";
import { run } from "../../build/lib/run-command.ts";

/** The oracle releases: trixie carries systemd 257, forky 262. */
export type OracleRelease = "trixie" | "forky";

export const SYSTEMD_VERSION: Record<OracleRelease, number> = { trixie: 257, forky: 262 };

const PACKAGES: Record<OracleRelease, string[]> = {
  trixie: [
    "systemd-boot-tools",
    "libsystemd-shared",
    "libc6",
    "libssl3t64",
    "libacl1",
    "libaudit1",
    "libblkid1",
    "libcap2",
    "libcrypt1",
    "libmount1",
    "libpam0g",
    "libseccomp2",
    "libselinux1",
    "libcap-ng0",
    "libpcre2-8-0",
    "libzstd1",
    "zlib1g",
  ],
  // 262's libsystemd-shared links only libc and opens the rest with dlopen() when needed.
  forky: ["systemd-boot-tools", "libsystemd-shared", "libc6"],
};

export interface Bootctl {
  /**
   * `bootctl list --json` on the trees. With `efivars`, that directory appears as /sys/firmware/efi/efivars
   * inside the namespace (a tmpfs over /sys/firmware), so bootctl reads those variables; otherwise none.
   */
  run(esp: string, xbootldr?: string, opts?: { efivars?: string }): Promise<Record<string, unknown>[]>;
  /** systemd's version: 257 or 262. */
  version: number;
  /** Runs a variable verb (`set-preferred ID`, …) with `efivars` as /sys/firmware/efi/efivars, which it writes. */
  setVariable(args: string[], efivars: string): Promise<{ stdout: string; stderr: string }>;
  /** Runs bootctl with `args` (after the ESP options) on a writable `esp`, as `bootctl link` needs. */
  write(esp: string, args: string[], opts?: { env?: Record<string, string> }): Promise<{ stdout: string; stderr: string }>;
  ld: string;
  bootctl: string;
  libs: string;
}

/** trixie's bootctl 257, or why it cannot run here. */
export function trixieBootctl(): Promise<Bootctl | string> {
  return debianBootctl("trixie");
}

/** forky's bootctl 262, or why it cannot run here. */
export function forkyBootctl(): Promise<Bootctl | string> {
  return debianBootctl("forky");
}

/** A runner of `release`'s bootctl, or why it cannot run here. */
export async function debianBootctl(release: OracleRelease): Promise<Bootctl | string> {
  if (process.getuid?.() !== 0) return "bind mounts in a private mount namespace need root";
  if (!Bun.which("unshare")) return "unshare(1) is missing (util-linux)";
  let dirs: Record<string, string>;
  try {
    dirs = await fetchDebianPackages(release, PACKAGES[release]);
  } catch (e) {
    return `cannot fetch Debian ${release}'s bootctl: ${e instanceof Error ? e.message : e}`;
  }
  const ld = join(dirs.libc6!, "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
  const bootctl = join(dirs["systemd-boot-tools"]!, "usr/bin/bootctl");
  const libs = [
    ...Object.values(dirs).map((d) => join(d, "usr/lib/x86_64-linux-gnu")),
    join(dirs["libsystemd-shared"]!, "usr/lib/x86_64-linux-gnu/systemd"),
  ].join(":");
  if (!existsSync(ld) || !existsSync(bootctl)) return `${release}'s ld.so or bootctl is missing under ${dirs.libc6}`;
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  return {
    version: SYSTEMD_VERSION[release],
    setVariable(args, efivars) {
      const script = [
        "mount -t tmpfs tmpfs /sys/firmware",
        "mkdir -p /sys/firmware/efi/efivars",
        `mount --bind ${q(efivars)} /sys/firmware/efi/efivars`,
        `exec ${q(ld)} --library-path ${q(libs)} ${q(bootctl)} --variables=yes ${args.map(q).join(" ")}`,
      ].join(" && ");
      // As PID 1 of a new PID namespace with an empty $container, bootctl does not think it runs in a container.
      return run(["unshare", "-m", "-p", "--fork", "--mount-proc", "--propagation", "private", "sh", "-c", script], {
        env: { SYSTEMD_LOG_LEVEL: "err", SYSTEMD_LOG_TARGET: "console", container: "" },
      });
    },
    async write(esp, args, opts = {}) {
      const mnt = mkdtempSync(join(tmpdir(), "ukiboot-bootctl-"));
      try {
        const script = [
          `mkdir -p ${q(`${mnt}/esp`)}`,
          `mount --bind ${q(esp)} ${q(`${mnt}/esp`)}`,
          `exec ${q(ld)} --library-path ${q(libs)} ${q(bootctl)} --esp-path=${q(`${mnt}/esp`)} --no-variables --no-pager ${args.map(q).join(" ")}`,
        ].join(" && ");
        return await run(["unshare", "-m", "--propagation", "private", "sh", "-c", script], {
          env: { SYSTEMD_RELAX_ESP_CHECKS: "1", SYSTEMD_LOG_LEVEL: process.env.BOOTCTL_DEBUG ? "debug" : "err", SYSTEMD_LOG_TARGET: "console", ...opts.env },
        });
      } finally {
        rmSync(mnt, { recursive: true, force: true });
      }
    },
    ld,
    bootctl,
    libs,
    async run(esp, xbootldr, opts = {}) {
      const mnt = mkdtempSync(join(tmpdir(), "ukiboot-bootctl-"));
      try {
        const script = [
          `mkdir -p ${q(`${mnt}/esp`)} ${q(`${mnt}/boot`)}`,
          `mount --bind ${q(esp)} ${q(`${mnt}/esp`)}`,
          `mount -o remount,bind,ro ${q(`${mnt}/esp`)}`,
          ...(xbootldr ? [`mount --bind ${q(xbootldr)} ${q(`${mnt}/boot`)}`, `mount -o remount,bind,ro ${q(`${mnt}/boot`)}`] : []),
          ...(opts.efivars
            ? ["mount -t tmpfs tmpfs /sys/firmware", "mkdir -p /sys/firmware/efi/efivars", `mount --bind ${q(opts.efivars)} /sys/firmware/efi/efivars`]
            : []),
          `exec ${q(ld)} --library-path ${q(libs)} ${q(bootctl)} --esp-path=${q(`${mnt}/esp`)} ${xbootldr ? `--boot-path=${q(`${mnt}/boot`)}` : ""} ${opts.efivars ? "" : "--no-variables"} --no-pager list --json=short`,
        ].join(" && ");
        // With variables, bootctl must not think it runs in a container (this machine is one: /.dockerenv), or it
        // ignores EFI variables. As PID 1 of a new PID namespace, systemd decides that from its own $container,
        // and an empty one means "no container".
        const ns = opts.efivars ? ["unshare", "-m", "-p", "--fork", "--mount-proc", "--propagation", "private"] : ["unshare", "-m", "--propagation", "private"];
        const { stdout, stderr } = await run([...ns, "sh", "-c", script], {
          env: {
            SYSTEMD_RELAX_ESP_CHECKS: "1",
            SYSTEMD_RELAX_XBOOTLDR_CHECKS: "1",
            SYSTEMD_LOG_LEVEL: process.env.BOOTCTL_DEBUG ? "debug" : "err",
            SYSTEMD_LOG_TARGET: "console",
            ...(opts.efivars ? { container: "" } : {}),
          },
        });
        if (process.env.BOOTCTL_DEBUG) console.error(stderr);
        // Paths in bootctl's output name the mount points; map them back to the trees.
        let text = stdout.replaceAll(`${mnt}/esp`, esp);
        if (xbootldr) text = text.replaceAll(`${mnt}/boot`, xbootldr);
        return JSON.parse(text) as Record<string, unknown>[];
      } finally {
        rmSync(mnt, { recursive: true, force: true });
      }
    },
  };
}
