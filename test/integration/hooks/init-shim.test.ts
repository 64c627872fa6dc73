/**
 * initrd-hooks/common/init-shim.sh in hook mode (`--hook GENERATOR`), the way the three generators' runtime
 * hooks run it: with a fake ukiboot and a fake modprobe that record what they were given. PID-1 mode mounts
 * file systems and is covered by the QEMU scenarios instead; here only its refusal to run outside PID 1.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FILES_LIST, HOOKS_DIR, readFilesList, runShell, scratchDir, SHELLS } from "../../support/sh-harness.ts";

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
  return {
    exitCode: await proc.exited,
    stdout,
    stderrLines: stderr.split("\n").filter(Boolean),
    record: readFileSync(record, "utf8").split("\n").filter(Boolean),
  };
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
      expect(lines).toEqual([
        "ukiboot: starting ukiboot from the dracut init",
        "fake ukiboot on stdout",
        "fake ukiboot on stderr",
        line,
        "ukiboot: continuing with the dracut boot",
      ]);
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
        expect.stringMatching(
          /^ukiboot: Cannot start ukiboot: ".*ukiboot" is not ukiboot: --version answered "1\.4\.5" with status 0 \(was it stripped when the image was built\? it must be copied unchanged\); continuing with the dracut boot$/,
        ),
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
    test.each([[[]], [["--hook"]], [["--hook", ""]], [["--hook", "a", "b"]], [["--pid1"]]])(
      "arguments %p outside PID 1: usage, status 2, nothing run",
      async (args) => {
        const r = await runShim(shell.argv, args);
        expect(r.exitCode).toBe(2);
        expect(r.stderrLines).toEqual(["ukiboot: usage: init-shim --hook GENERATOR (without arguments only as PID 1)"]);
        expect(r.record).toEqual([]);
      },
    );
  });
}

test("the shells under test exist on this machine", () => {
  // dash is Debian's /bin/sh; busybox ash is what the generated images run the shim with.
  expect(SHELLS.map((s) => s.name)).toContain("dash");
  expect(existsSync(SHIM)).toBe(true);
});

describe("whether signatures are enforced, decided by the shim itself when ukiboot cannot run (docs/trust.md §6)", () => {
  /**
   * The machine as the shim sees it, each input only when the case gives it: `efi` makes /sys/firmware/efi
   * exist; `bootParams` is the byte at 0x1ec of a 4096-byte boot_params ("short": one too short to hold it);
   * `efivars` is the variables' directory, mounted as efivarfs or only the kernel's empty mount point.
   */
  interface Machine {
    efi?: boolean;
    bootParams?: number | "short";
    efivars?: "mounted" | "not mounted";
    secureBoot?: number;
    secureBootBytes?: readonly number[];
    /** The variable exists but cannot be read (a directory stands in, which od cannot read even as root). */
    secureBootUnreadable?: boolean;
    lockdown?: string;
    cmdline?: string;
    labImage?: boolean;
  }

  /** Stand-in files for `c` in a fresh directory, and the environment that points the shim at them. */
  function machine(c: Machine): Record<string, string> {
    const dir = scratchDir("enforced");
    const efivars = join(dir, "efivars");
    const env: Record<string, string> = {
      UKIBOOT_SHIM_FUNCTIONS_ONLY: "1",
      UKIBOOT_EFI_DIR: join(dir, "firmware-efi"),
      UKIBOOT_BOOT_PARAMS: join(dir, "boot_params"),
      UKIBOOT_SECUREBOOT_VAR: join(efivars, "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"),
      UKIBOOT_MOUNTS_FILE: join(dir, "mounts"),
      UKIBOOT_LOCKDOWN_FILE: join(dir, "lockdown"),
      UKIBOOT_CMDLINE_FILE: join(dir, "cmdline"),
      UKIBOOT_RESCUE_MARKER: join(dir, "allow-rescue-shell"),
      UKIBOOT_TPM_DEVICES: join(dir, "no-tpm"),
    };
    const mounts = ["proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0", "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0"];
    if (c.efivars === "mounted") mounts.push(`efivarfs ${efivars} efivarfs rw,nosuid,nodev,noexec,relatime 0 0`);
    writeFileSync(env.UKIBOOT_MOUNTS_FILE!, `${mounts.join("\n")}\n`);
    if (c.efi) mkdirSync(env.UKIBOOT_EFI_DIR!);
    if (c.bootParams !== undefined) {
      const params = new Uint8Array(c.bootParams === "short" ? 0x100 : 4096);
      if (typeof c.bootParams === "number") params[0x1ec] = c.bootParams;
      writeFileSync(env.UKIBOOT_BOOT_PARAMS!, params);
    }
    if (c.efivars !== undefined || c.secureBoot !== undefined || c.secureBootBytes !== undefined || c.secureBootUnreadable) mkdirSync(efivars);
    if (c.secureBoot !== undefined) writeFileSync(env.UKIBOOT_SECUREBOOT_VAR!, Uint8Array.from([6, 0, 0, 0, c.secureBoot]));
    if (c.secureBootBytes !== undefined) writeFileSync(env.UKIBOOT_SECUREBOOT_VAR!, Uint8Array.from(c.secureBootBytes));
    if (c.secureBootUnreadable) mkdirSync(env.UKIBOOT_SECUREBOOT_VAR!);
    if (c.lockdown !== undefined) writeFileSync(env.UKIBOOT_LOCKDOWN_FILE!, `${c.lockdown}\n`);
    if (c.cmdline !== undefined) writeFileSync(env.UKIBOOT_CMDLINE_FILE!, `${c.cmdline}\n`);
    if (c.labImage) writeFileSync(env.UKIBOOT_RESCUE_MARKER!, "");
    return env;
  }

  /** Sources the shim's functions and asks signatures_enforced. */
  async function enforced(shell: string[], c: Machine): Promise<string> {
    const r = await runShell(shell, `. "${SHIM}"; if signatures_enforced; then echo enforced; else echo open; fi`, machine(c));
    expect(r.stderr).toBe("");
    return r.stdout.trim();
  }

  // The rows of decideSecureBoot()'s table (test/unit/trust/secure-boot-state.test.ts), then the shim's own.
  const cases: [string, Machine, "enforced" | "open"][] = [
    ["x86, all agree on", { efi: true, bootParams: 3, efivars: "mounted", secureBoot: 1, lockdown: "none [integrity] confidentiality" }, "enforced"],
    ["x86, all agree off", { efi: true, bootParams: 2, efivars: "mounted", secureBoot: 0, lockdown: "[none] integrity confidentiality" }, "open"],
    ["x86, boot_params enabled, no efivarfs", { efi: true, bootParams: 3 }, "enforced"],
    ["x86, boot_params disabled, no efivarfs: the kernel's own answer suffices", { efi: true, bootParams: 2 }, "open"],
    ["x86, boot_params enabled, the variable off: they disagree", { efi: true, bootParams: 3, efivars: "mounted", secureBoot: 0 }, "enforced"],
    ["x86, boot_params disabled, the variable on: they disagree", { efi: true, bootParams: 2, efivars: "mounted", secureBoot: 1 }, "enforced"],
    ["x86, boot_params unset (no EFI stub), the variable off", { efi: true, bootParams: 0, efivars: "mounted", secureBoot: 0 }, "open"],
    ["x86, boot_params unknown, no efivarfs: no answer on an EFI boot", { efi: true, bootParams: 1 }, "enforced"],
    ["arm64, the variable on", { efi: true, efivars: "mounted", secureBoot: 1 }, "enforced"],
    ["arm64, the variable off", { efi: true, efivars: "mounted", secureBoot: 0 }, "open"],
    ["arm64, efivarfs mounted without a SecureBoot variable (as the kernel's stub reads it: off)", { efi: true, efivars: "mounted" }, "open"],
    ["arm64, no efivarfs: no answer on an EFI boot", { efi: true, lockdown: "[none] integrity confidentiality" }, "enforced"],
    [
      "arm64, the variable unreadable, even with lockdown",
      { efi: true, efivars: "mounted", secureBootUnreadable: true, lockdown: "none [integrity] confidentiality" },
      "enforced",
    ],
    ["no EFI (a LinuxBoot payload): no Secure Boot", {}, "open"],
    ["no EFI but locked down", { bootParams: 0, lockdown: "none integrity [confidentiality]" }, "enforced"],
    [
      "Secure Boot off but locked down (lockdown= on the command line)",
      { efi: true, bootParams: 2, efivars: "mounted", secureBoot: 0, lockdown: "none [integrity] confidentiality" },
      "enforced",
    ],

    ["EFI, the kernel's empty efivars directory with no efivarfs mounted on it: no answer", { efi: true, efivars: "not mounted" }, "enforced"],
    ["EFI, boot_params too short to hold the field, no efivarfs: no answer", { efi: true, bootParams: "short" }, "enforced"],
    ["EFI, boot_params with a value the kernel does not define, no efivarfs: no answer", { efi: true, bootParams: 9 }, "enforced"],
    ["EFI, a SecureBoot variable cut short (the attributes alone): no answer", { efi: true, efivars: "mounted", secureBootBytes: [6, 0, 0, 0] }, "enforced"],
    [
      "EFI, boot_params disabled, the variable cut short: the kernel's answer suffices",
      { efi: true, bootParams: 2, efivars: "mounted", secureBootBytes: [6, 0, 0, 0] },
      "open",
    ],
    ["EFI, boot_params unset, efivarfs without the variable", { efi: true, bootParams: 0, efivars: "mounted" }, "open"],
    ["EFI, boot_params enabled, efivarfs without the variable: they disagree", { efi: true, bootParams: 3, efivars: "mounted" }, "enforced"],
    ["no EFI, a SecureBoot variable cut short", { secureBootBytes: [6, 0, 0, 0] }, "open"],
    ["no EFI, the variable on", { secureBoot: 1 }, "enforced"],
    ["no EFI, the variable off", { secureBoot: 0 }, "open"],
    ["the variable 2 (a non-zero value other than 1)", { efi: true, efivars: "mounted", secureBootBytes: [6, 0, 0, 0, 2] }, "enforced"],
    ["no EFI, lockdown integrity", { lockdown: "none [integrity] confidentiality" }, "enforced"],
    ["no EFI, no lockdown", { lockdown: "[none] integrity confidentiality" }, "open"],
    ["ukiboot.verify=strict with Secure Boot off", { efi: true, bootParams: 2, cmdline: "console=ttyS0 ukiboot.verify=strict quiet" }, "enforced"],
    ["ukiboot.verify=enforce, no EFI", { cmdline: "ukiboot.verify=enforce" }, "enforced"],
    ["ukiboot.verify=warn with Secure Boot off", { efi: true, bootParams: 2, cmdline: "ukiboot.verify=warn" }, "open"],
    ["ukiboot.verify=warn cannot open an EFI boot without an answer", { efi: true, cmdline: "ukiboot.verify=warn" }, "enforced"],
    ["a lab image under Secure Boot", { efi: true, bootParams: 3, efivars: "mounted", secureBoot: 1, labImage: true }, "open"],
    ["a lab image on an EFI boot without an answer", { efi: true, labImage: true }, "open"],
  ];

  for (const shell of SHELLS) {
    test.each(cases)(`${shell.name}: %s`, async (_, c, expected) => {
      expect(await enforced(shell.argv, c)).toBe(expected);
    });

    test(`${shell.name}: PID 1 says why it powers off instead of offering a shell`, async () => {
      const stubs = `poweroff() { echo "poweroff $*"; }\nsleep() { :; }\nsetsid() { echo shell; }\ncttyhack() { :; }\nsh() { echo shell; }\n`;
      const run = (c: Machine) => runShell(shell.argv, `. "${SHIM}"\n${stubs}after_ukiboot 127`, machine(c));
      const closed = await run({ efi: true });
      expect(closed.stdout).toBe("poweroff -f\n");
      expect(closed.stderr).toBe(
        [
          "ukiboot: exited with status 127: cannot run /usr/bin/ukiboot",
          "ukiboot: signatures are enforced because this is an EFI boot and neither boot_params.secure_boot nor the SecureBoot variable says whether Secure Boot is on, so no shell is offered; powering off in 10 s",
          "ukiboot: powering off",
          "",
        ].join("\n"),
      );
      const disagree = await run({ efi: true, bootParams: 3, efivars: "mounted", secureBoot: 0 });
      expect(disagree.stderr).toContain(
        "ukiboot: signatures are enforced because boot_params.secure_boot and the SecureBoot variable disagree on Secure Boot, so no shell is offered",
      );
      const open = await run({ efi: true, bootParams: 2 });
      expect(open.stdout).toBe("shell\n");
    });
  }
});

describe("PID 1 runs ukiboot once more after a crash", () => {
  /** A stand-in ukiboot that takes its exit statuses, one per run, from a list and counts its runs. */
  function fakeUkiboot(statuses: string[]): { env: Record<string, string>; runs: () => number } {
    const dir = scratchDir("run-ukiboot");
    const runs = join(dir, "runs");
    writeFileSync(runs, "");
    const bin = join(dir, "ukiboot");
    // A status above 128 is a signal: the stand-in kills itself with it, as a crashing runtime dies.
    writeFileSync(
      bin,
      `#!/bin/sh\necho run >>"${runs}"\nn=$(wc -l <"${runs}")\nset -- ${statuses.join(" ")}\nshift $((n - 1))\ns=$1\nif [ "$s" -gt 128 ]; then kill -s $((s - 128)) $$; fi\nexit "$s"\n`,
      { mode: 0o755 },
    );
    // No mounts file: the shim must never unmount this machine's own mounts.
    return {
      env: { UKIBOOT_SHIM_FUNCTIONS_ONLY: "1", UKIBOOT: bin, UKIBOOT_MOUNTS_FILE: join(dir, "no-mounts") },
      runs: () => readFileSync(runs, "utf8").split("\n").filter(Boolean).length,
    };
  }

  for (const shell of SHELLS) {
    test(`${shell.name}: killed by SIGSEGV, then booted: one more run, and its status is the one returned`, async () => {
      const u = fakeUkiboot(["139", "0"]);
      const r = await runShell(shell.argv, `. "${SHIM}"; run_ukiboot; echo "status $?"`, u.env);
      expect(r.stdout).toBe("status 0\n");
      expect(u.runs()).toBe(2);
      // The shell reports the signal itself first ("Segmentation fault"), as it does on the console.
      expect(r.stderr).toEndWith(
        "ukiboot: exited with status 139: killed by signal 11\nukiboot: running ukiboot once more, since a crash need not happen twice\n",
      );
    });

    test(`${shell.name}: a second crash is final: two runs, the second status returned`, async () => {
      const u = fakeUkiboot(["139", "134", "0"]);
      const r = await runShell(shell.argv, `. "${SHIM}"; run_ukiboot; echo "status $?"`, u.env);
      expect(r.stdout).toBe("status 134\n");
      expect(u.runs()).toBe(2);
    });

    test(`${shell.name}: what a killed ukiboot left mounted under /run/ukiboot is unmounted before the next run, and nothing else`, async () => {
      const u = fakeUkiboot(["139", "0"]);
      const mounts = join(scratchDir("leftover-mounts"), "mounts");
      writeFileSync(
        mounts,
        [
          "proc /proc proc rw 0 0",
          "tmpfs /run tmpfs rw 0 0",
          "/dev/vda1 /run/ukiboot/esp vfat ro 0 0",
          "/dev/vda2 /run/ukiboot/xbootldr vfat ro 0 0",
          "/dev/vda3 /run/ukibootx ext4 ro 0 0",
          "",
        ].join("\n"),
      );
      const r = await runShell(shell.argv, `. "${SHIM}"; umount() { echo "umount $*"; }; run_ukiboot; echo "status $?"`, {
        ...u.env,
        UKIBOOT_MOUNTS_FILE: mounts,
      });
      // Before each of the two runs (the fake mounts file does not change), the deepest last-mounted first.
      expect(r.stdout).toBe("umount /run/ukiboot/xbootldr\numount /run/ukiboot/esp\n".repeat(2) + "status 0\n");
    });

    test.each([["1"], ["3"], ["4"], ["127"]])(`${shell.name}: status %s is ukiboot's own answer: no second run`, async (status) => {
      const u = fakeUkiboot([status, "0"]);
      const r = await runShell(shell.argv, `. "${SHIM}"; run_ukiboot; echo "status $?"`, u.env);
      expect(r.stdout).toBe(`status ${status}\n`);
      expect(u.runs()).toBe(1);
      expect(r.stderr).toBe("");
    });
  }
});
