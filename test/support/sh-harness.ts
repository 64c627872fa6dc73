/**
 * Runs the hook scripts of initrd-hooks/ under a real POSIX shell with stub install functions that record
 * their calls (the shell form of link-time fakes): each generator's hook is checked against files.list
 * without dracut, mkinitcpio or mkinitramfs. Also reads files.list the way the hooks do, for expectations.
 */
import { expectGoldenFile } from "./golden.ts";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dir, "../..");
export const HOOKS_DIR = join(REPO, "initrd-hooks");
export const FILES_LIST = join(HOOKS_DIR, "common", "files.list");
export const GOLDEN_DIR = join(import.meta.dir, "../integration/hooks/golden");

/**
 * Shells the hooks must run under: dash (Debian's /bin/sh) and busybox ash (what the images carry). Both
 * always: npm test installs busybox, and a missing shell must fail the tests, not quietly halve them.
 */
export const SHELLS: { name: string; argv: string[] }[] = [
  { name: "dash", argv: ["/usr/bin/dash"] },
  { name: "busybox ash", argv: ["/usr/bin/busybox", "sh"] },
];

export type EntryKind = "exec" | "file" | "anchors" | "driver" | "module";
export interface FilesListEntry {
  kind: EntryKind;
  name: string;
  source?: string;
  line: number;
}

/** files.list as the hooks read it: `KIND NAME [SOURCE]`, comments and blank lines skipped. */
export function readFilesList(text = readFileSync(FILES_LIST, "utf8")): FilesListEntry[] {
  const out: FilesListEntry[] = [];
  text.split("\n").forEach((raw, i) => {
    const words = raw.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0 || words[0]!.startsWith("#")) return;
    const [kind, name, source] = words;
    if (kind !== "exec" && kind !== "file" && kind !== "anchors" && kind !== "driver" && kind !== "module")
      throw new Error(`files.list line ${i + 1}: unknown kind "${kind}"`);
    out.push({ kind, name: name!, ...(source ? { source } : {}), line: i + 1 });
  });
  return out;
}

/** Recording stubs: `NAME ARG…` per call, with '' for an empty argument, one line each, into $UKIBOOT_TEST_LOG. */
const RECORDER = `
ukiboot_test_record() {
	ukiboot_test_line=$1
	shift
	for ukiboot_test_arg in "$@"; do
		[ -n "$ukiboot_test_arg" ] || ukiboot_test_arg="''"
		ukiboot_test_line="$ukiboot_test_line $ukiboot_test_arg"
	done
	printf '%s\\n' "$ukiboot_test_line" >>"$UKIBOOT_TEST_LOG"
}
# Calls a hook function, with its standard output in the log, and records its status.
ukiboot_test_call() {
	printf '== %s\\n' "$1" >>"$UKIBOOT_TEST_LOG"
	"$@" >>"$UKIBOOT_TEST_LOG"
	printf -- '-- %s returned %s\\n' "$1" "$?" >>"$UKIBOOT_TEST_LOG"
}
`;

function stubs(names: string[], body = (n: string) => `ukiboot_test_record ${n} "$@"`): string {
  return names.map((n) => `${n}() { ${body(n)}; }`).join("\n");
}

/**
 * What each generator's harness defines and runs; the hook functions it does not stub must not be called.
 * The hook files come from this tree ($UKIBOOT_TEST_HOOK_FILES) whatever UKIBOOT_HOOKS_DIR says, so a
 * test can point UKIBOOT_HOOKS_DIR at a broken copy, or at nothing.
 */
export const GENERATORS = {
  dracut: `${stubs(["inst_binary", "inst_simple", "inst_script", "inst_multiple", "inst", "inst_hook", "dracut_instmods", "chmod"])}
instmods() { ukiboot_test_record "instmods(hostonly=\${hostonly-unset})" "$@"; }
moddir=/usr/lib/dracut/modules.d/90ukiboot
initdir=/var/tmp/dracut.test/initramfs
hostonly=yes
. "$UKIBOOT_TEST_HOOK_FILES/dracut/90ukiboot/module-setup.sh"
ukiboot_test_call check
ukiboot_test_call depends
ukiboot_test_call installkernel
ukiboot_test_call install
`,
  mkinitcpio: `${stubs(["add_binary", "add_file", "add_module", "add_runscript", "add_dir", "add_symlink", "add_full_dir", "add_all_modules", "add_checked_modules"])}
${stubs(["error"], (n) => `ukiboot_test_record ${n} "$@"; return 1`)}
. "$UKIBOOT_TEST_HOOK_FILES/mkinitcpio/install/ukiboot"
ukiboot_test_call build
`,
  // Sourced, as the hook would run under mkinitramfs, but with the stubs already defined (the hook then
  // keeps them instead of sourcing hook-functions).
  "initramfs-tools": `${stubs(["copy_exec", "copy_file", "manual_add_modules", "force_load", "add_modules_from_file", "copy_modules_dir"])}
DESTDIR=/var/tmp/mkinitramfs_test
. "$UKIBOOT_TEST_HOOK_FILES/initramfs-tools/hooks/ukiboot"
printf -- '-- hook finished\\n' >>"$UKIBOOT_TEST_LOG"
`,
} as const;
export type Generator = keyof typeof GENERATORS;

export interface ShellRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The recorded calls, with the fake binary and the hooks directory replaced by @binary@ and @hooks@. */
  calls: string[];
}

export function scratchDir(label: string): string {
  const base = join(tmpdir(), "ukiboot-hooks-test");
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `${label}-`));
}

/** An executable that stands in for the 109 MB compiled ukiboot at build time. */
export function fakeBinary(dir: string): string {
  const p = join(dir, "ukiboot");
  writeFileSync(p, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  return p;
}

export async function runShell(shell: string[], script: string, env: Record<string, string>): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn([...shell, "-c", script], { env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ...env }, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { exitCode: await proc.exited, stdout, stderr };
}

/** Runs one generator's harness; `hooksDir` and `binary` default to this tree and a fake executable. */
export async function runGenerator(gen: Generator, opts: { shell?: string[]; hooksDir?: string; binary?: string; trustDir?: string } = {}): Promise<ShellRun> {
  const dir = scratchDir(gen);
  const log = join(dir, "calls.log");
  writeFileSync(log, "");
  const hooksDir = opts.hooksDir ?? HOOKS_DIR;
  const binary = opts.binary ?? fakeBinary(dir);
  const r = await runShell(opts.shell ?? SHELLS[0]!.argv, RECORDER + GENERATORS[gen], {
    UKIBOOT_TEST_LOG: log,
    UKIBOOT_TEST_HOOK_FILES: HOOKS_DIR,
    UKIBOOT_HOOKS_DIR: hooksDir,
    UKIBOOT_BINARY: binary,
    // No anchors unless the test gives a directory: never the build host's own /etc/ukiboot/trust.d.
    UKIBOOT_TRUST_DIR: opts.trustDir ?? join(dir, "no-trust.d"),
  });
  const calls = readFileSync(log, "utf8")
    .replaceAll(binary, "@binary@")
    .replaceAll(hooksDir, "@hooks@")
    .replaceAll(opts.trustDir ?? "\0", "@trust@")
    .split("\n")
    .filter(Boolean);
  return { ...r, calls };
}

/** Compares `text` with golden/<name>; UPDATE_GOLDEN=1 writes it, to be read and checked by a person. */
export function expectGolden(name: string, text: string): void {
  expectGoldenFile(join(GOLDEN_DIR, name), text);
}
