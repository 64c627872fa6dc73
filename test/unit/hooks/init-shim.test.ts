/**
 * initrd-hooks/common/init-shim.sh in hook mode (`--hook GENERATOR`), the way the three generators' runtime
 * hooks run it: with a fake ukiboot and a fake modprobe that record what they were given. PID-1 mode mounts
 * file systems and is covered by the QEMU scenarios instead; here only its refusal to run outside PID 1.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FILES_LIST, HOOKS_DIR, readFilesList, runShell, scratchDir, SHELLS } from "./sh-harness.ts";

const SHIM = join(HOOKS_DIR, "common", "init-shim.sh");
const MODULES = readFilesList()
  .filter((e) => e.kind === "module")
  .map((e) => e.name);

interface ShimRun {
  exitCode: number;
  stdout: string;
  stderrLines: string[];
  /** What the fakes recorded, in order: `modprobe ARGS` and `ukiboot ARGS env…`. */
  record: string[];
}

/** Runs the shim with `args` under `shell`; the fake ukiboot exits with `status` ("abort": SIGABRT). */
async function runShim(
  shell: string[],
  args: string[],
  opts: { status?: string; modprobeStatus?: number; cmdline?: string; ukiboot?: "missing" | "not-executable" | "stripped"; stdin?: string } = {},
): Promise<ShimRun> {
  const dir = scratchDir("shim");
  const bin = join(dir, "bin");
  mkdirSync(bin);
  const record = join(dir, "record");
  writeFileSync(record, "");
  writeFileSync(
    join(bin, "ukiboot"),
    `#!/bin/sh
# A stripped ukiboot is a bare Bun runtime, which answers with Bun's version.
if [ "$1" = --version ]; then echo "${opts.ukiboot === "stripped" ? "1.4.5" : "ukiboot 0.0.0-fake"}"; exit 0; fi
echo "ukiboot $* UKIBOOT_NO_MODULES=\${UKIBOOT_NO_MODULES-unset} NO_COLOR=\${NO_COLOR-unset}" >>"${record}"
echo "fake ukiboot on stdout"
echo "fake ukiboot on stderr" >&2
[ "${opts.status ?? "1"}" = abort ] && kill -ABRT $$
exit ${opts.status === "abort" ? 99 : (opts.status ?? "1")}
`,
    { mode: opts.ukiboot === "not-executable" ? 0o644 : 0o755 },
  );
  writeFileSync(join(bin, "modprobe"), `#!/bin/sh\necho "modprobe $*" >>"${record}"\nexit ${opts.modprobeStatus ?? 0}\n`, { mode: 0o755 });
  const cmdline = join(dir, "cmdline");
  writeFileSync(cmdline, `${opts.cmdline ?? "console=ttyS0 quiet"}\n`);
  const proc = Bun.spawn([...shell, SHIM, ...args], {
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      UKIBOOT: opts.ukiboot === "missing" ? join(dir, "nonexistent") : join(bin, "ukiboot"),
      UKIBOOT_FILES_LIST: FILES_LIST,
      UKIBOOT_CMDLINE_FILE: cmdline,
    },
    stdout: "pipe",
    stderr: "pipe",
    stdin: opts.stdin === undefined ? "ignore" : new Blob([opts.stdin]),
  });
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { exitCode: await proc.exited, stdout, stderrLines: stderr.split("\n").filter(Boolean), record: readFileSync(record, "utf8").split("\n").filter(Boolean) };
}

for (const shell of SHELLS) {
  describe(`init-shim --hook, under ${shell.name}`, () => {
    test("loads files.list's `module` entries with modprobe, then runs `ukiboot init` without module loading", async () => {
      const r = await runShim(shell.argv, ["--hook", "initramfs-tools"], { status: "1" });
      expect(r.record).toEqual([`modprobe -qab ${MODULES.join(" ")}`, "ukiboot init UKIBOOT_NO_MODULES=1 NO_COLOR=1"]);
    });

    // ukiboot's own stdout joins stderr: dracut's hook services show only stderr on the console.
    test.each([
      ["0", 0, "ukiboot: finished without booting (status 0: dry run)"],
      ["1", 1, "ukiboot: exited with status 1: nothing could be booted"],
      ["2", 2, "ukiboot: exited with status 2: bad usage"],
      ["4", 4, "ukiboot: exited with status 4: nothing could be booted, and signatures are enforced, so no shell is offered"],
      ["5", 5, "ukiboot: exited with status 5"],
      ["abort", 134, "ukiboot: exited with status 134: killed by signal 6"],
    ])("fake ukiboot status %s: the shim returns %d and says %s, then hands back to the generator", async (status, code, line) => {
      const r = await runShim(shell.argv, ["--hook", "dracut"], { status });
      expect(r.exitCode).toBe(code);
      expect(r.stdout).toBe("");
      // The shell itself reports a child killed by a signal ("Aborted"); that line is the shell's, not ours.
      const lines = r.stderrLines.filter((l) => !(status === "abort" && /^Aborted/.test(l)));
      expect(lines).toEqual(["ukiboot: starting ukiboot from the dracut init", "fake ukiboot on stdout", "fake ukiboot on stderr", line, "ukiboot: continuing with the dracut boot"]);
    });

    test("status 3 (the rescue shell chosen in the menu) gives a shell on the same console, then the generator's boot goes on", async () => {
      const r = await runShim(shell.argv, ["--hook", "initramfs-tools"], { status: "3", stdin: "echo SHELL-RAN-$((40+2))\nexit\n" });
      expect(r.exitCode).toBe(3);
      expect(r.stdout).toContain("SHELL-RAN-42");
      expect(r.stderrLines).toContain("ukiboot: exited with status 3: the rescue shell was chosen in the menu");
      expect(r.stderrLines).toContain("ukiboot: starting a shell; type 'exit' to continue with the initramfs-tools boot");
      // The interactive shell's prompts ("# ") share stderr with the last line.
      expect(r.stderrLines.at(-1)).toEndWith("ukiboot: continuing with the initramfs-tools boot");
    });

    test("a missing binary is reported as status 127 and the generator's boot goes on", async () => {
      const r = await runShim(shell.argv, ["--hook", "mkinitcpio"], { ukiboot: "missing" });
      expect(r.exitCode).toBe(127);
      expect(r.stderrLines.at(-2)).toMatch(/^ukiboot: exited with status 127: cannot run .*nonexistent$/);
      expect(r.stderrLines.at(-1)).toBe("ukiboot: continuing with the mkinitcpio boot");
    });

    test("a binary without its x bits (as the dracut module installs it) is made executable and runs", async () => {
      const r = await runShim(shell.argv, ["--hook", "dracut"], { ukiboot: "not-executable" });
      expect(r.record.at(-1)).toBe("ukiboot init UKIBOOT_NO_MODULES=1 NO_COLOR=1");
      expect(r.stderrLines).toContain("ukiboot: starting ukiboot from the dracut init");
    });

    test("a stripped binary (a bare Bun runtime) is not started, and the generator's boot goes on", async () => {
      const r = await runShim(shell.argv, ["--hook", "dracut"], { ukiboot: "stripped" });
      expect(r.exitCode).toBe(1);
      expect(r.record).toEqual([]);
      expect(r.stderrLines).toEqual([
        expect.stringMatching(/^ukiboot: Cannot start ukiboot: ".*ukiboot" is not ukiboot: --version answered "1\.4\.5" with status 0 \(was it stripped when the image was built\? it must be copied unchanged\); continuing with the dracut boot$/),
      ]);
    });

    test("a failing modprobe is reported, and ukiboot still runs", async () => {
      const r = await runShim(shell.argv, ["--hook", "initramfs-tools"], { modprobeStatus: 1 });
      expect(r.stderrLines[0]).toBe(`ukiboot: could not load every module of: ${MODULES.join(" ")} (some are not in the image)`);
      expect(r.record.at(-1)).toBe("ukiboot init UKIBOOT_NO_MODULES=1 NO_COLOR=1");
    });

    test.each([
      ["ukiboot.off", true],
      ["console=ttyS0 ukiboot.off quiet", true],
      ["quiet ukiboot.off", true],
      ["ukiboot.offline", false],
      ["xukiboot.off", false],
      ["ukiboot.off=1", false],
      ["", false],
    ])("kernel command line %p turns the hook off: %p", async (cmdline, off) => {
      const r = await runShim(shell.argv, ["--hook", "initramfs-tools"], { cmdline, status: "1" });
      if (off) {
        expect(r.exitCode).toBe(0);
        expect(r.record).toEqual([]);
        expect(r.stderrLines).toEqual(["ukiboot: ukiboot.off is on the kernel command line; continuing with the initramfs-tools boot"]);
      } else {
        expect(r.exitCode).toBe(1);
        expect(r.record.at(-1)).toStartWith("ukiboot init");
      }
    });

    // Outside PID 1, PID-1 mode would mount over the running system's /proc, /sys, /dev and /run.
    test.each([[[]], [["--hook"]], [["--hook", ""]], [["--hook", "a", "b"]], [["--pid1"]]])("arguments %p outside PID 1: usage, status 2, nothing run", async (args) => {
      const r = await runShim(shell.argv, args);
      expect(r.exitCode).toBe(2);
      expect(r.stderrLines).toEqual(["ukiboot: usage: init-shim --hook GENERATOR (without arguments only as PID 1)"]);
      expect(r.record).toEqual([]);
    });
  });
}

test("the shells under test exist on this machine", () => {
  // dash is Debian's /bin/sh; busybox ash is what the generated images run the shim with.
  expect(SHELLS.map((s) => s.name)).toContain("dash");
  expect(existsSync(SHIM)).toBe(true);
});

describe("whether signatures are enforced, decided by the shim itself when ukiboot cannot run (docs/trust.md §6)", () => {
  /** Sources the shim's functions and asks; each input file is given only when the case sets it. */
  async function enforced(shell: string[], c: { secureBoot?: number; secureBootBytes?: readonly number[]; lockdown?: string; cmdline?: string; labImage?: boolean }): Promise<string> {
    const dir = scratchDir("enforced");
    const env: Record<string, string> = {
      UKIBOOT_SHIM_FUNCTIONS_ONLY: "1",
      UKIBOOT_SECUREBOOT_VAR: join(dir, "SecureBoot"),
      UKIBOOT_LOCKDOWN_FILE: join(dir, "lockdown"),
      UKIBOOT_CMDLINE_FILE: join(dir, "cmdline"),
      UKIBOOT_RESCUE_MARKER: join(dir, "allow-rescue-shell"),
    };
    if (c.secureBoot !== undefined) writeFileSync(env.UKIBOOT_SECUREBOOT_VAR!, Uint8Array.from([6, 0, 0, 0, c.secureBoot]));
    if (c.secureBootBytes !== undefined) writeFileSync(env.UKIBOOT_SECUREBOOT_VAR!, Uint8Array.from(c.secureBootBytes));
    if (c.lockdown !== undefined) writeFileSync(env.UKIBOOT_LOCKDOWN_FILE!, `${c.lockdown}\n`);
    if (c.cmdline !== undefined) writeFileSync(env.UKIBOOT_CMDLINE_FILE!, `${c.cmdline}\n`);
    if (c.labImage) writeFileSync(env.UKIBOOT_RESCUE_MARKER!, "");
    const r = await runShell(shell, `. "${SHIM}"; if signatures_enforced; then echo enforced; else echo open; fi`, env);
    expect(r.stderr).toBe("");
    return r.stdout.trim();
  }

  for (const shell of SHELLS) {
    test.each([
      ["nothing known", {}, "open"],
      ["Secure Boot on", { secureBoot: 1 }, "enforced"],
      ["Secure Boot off", { secureBoot: 0 }, "open"],
      // The attributes alone, no value: nothing known from it.
      ["a SecureBoot variable cut short", { secureBootBytes: [6, 0, 0, 0] }, "open"],
      ["Secure Boot 2 (a non-zero value other than 1)", { secureBootBytes: [6, 0, 0, 0, 2] }, "enforced"],
      ["lockdown integrity", { lockdown: "none [integrity] confidentiality" }, "enforced"],
      ["lockdown confidentiality", { lockdown: "none integrity [confidentiality]" }, "enforced"],
      ["no lockdown", { lockdown: "[none] integrity confidentiality" }, "open"],
      ["ukiboot.verify=strict", { cmdline: "console=ttyS0 ukiboot.verify=strict quiet" }, "enforced"],
      ["ukiboot.verify=warn", { cmdline: "ukiboot.verify=warn" }, "open"],
      ["a lab image under Secure Boot", { secureBoot: 1, labImage: true }, "open"],
    ] as const)(`${shell.name}: %s`, async (_, c, expected) => {
      expect(await enforced(shell.argv, c)).toBe(expected);
    });
  }
});
