/**
 * Every script in initrd-hooks/ is POSIX sh: it parses under dash and busybox ash, passes shellcheck and
 * checkbashisms where they are installed, and the files that generators source keep the sourcing shell
 * intact (no `set`, no `exit`, only the generator's API names and ukiboot_ names).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HOOKS_DIR, SHELLS } from "../../support/sh-harness.ts";

/** Every script, and whether the generator sources it (true) or executes it (false). */
const SCRIPTS: Record<string, { sourced: boolean; api: string[]; subshellOnly?: string[] }> = {
  "common/init-shim.sh": { sourced: false, api: [] },
  "common/files.sh": { sourced: true, api: [] },
  "common/udhcpc-lease.sh": { sourced: false, api: [] },
  // DRACUT_RESOLVE_DEPS is dracut's own, set in a subshell around one inst_binary call.
  "dracut/90ukiboot/module-setup.sh": { sourced: true, api: ["check", "depends", "installkernel", "install"], subshellOnly: ["DRACUT_RESOLVE_DEPS"] },
  "dracut/90ukiboot/ukiboot-hook.sh": { sourced: true, api: [] },
  "mkinitcpio/install/ukiboot": { sourced: true, api: ["build", "help"] },
  "mkinitcpio/hooks/ukiboot": { sourced: true, api: ["run_hook"] },
  "initramfs-tools/hooks/ukiboot": { sourced: false, api: [] },
  "initramfs-tools/scripts/init-premount/ukiboot": { sourced: false, api: [] },
  "kernel-install/90-ukiboot.install": { sourced: false, api: [] },
};
const files = Object.keys(SCRIPTS);

describe("initrd-hooks scripts are POSIX sh", () => {
  for (const shell of SHELLS) {
    test.each(files)(`%s parses under ${shell.name} -n`, async (f) => {
      const proc = Bun.spawn([...shell.argv, "-n", join(HOOKS_DIR, f)], { stdout: "pipe", stderr: "pipe" });
      const stderr = await new Response(proc.stderr).text();
      expect({ code: await proc.exited, stderr }).toEqual({ code: 0, stderr: "" });
    });
  }

  test.skipIf(!Bun.which("shellcheck"))("shellcheck -x passes on every script (initrd-hooks/.shellcheckrc: shell=sh)", async () => {
    const proc = Bun.spawn(["shellcheck", "-x", ...files], { cwd: HOOKS_DIR, stdout: "pipe", stderr: "pipe" });
    const out = (await new Response(proc.stdout).text()) + (await new Response(proc.stderr).text());
    expect({ code: await proc.exited, out }).toEqual({ code: 0, out: "" });
  });

  test.skipIf(!Bun.which("checkbashisms"))("checkbashisms finds no bashism", async () => {
    const proc = Bun.spawn(["checkbashisms", "-f", "-p", "-x", ...files], { cwd: HOOKS_DIR, stdout: "pipe", stderr: "pipe" });
    const out = (await new Response(proc.stdout).text()) + (await new Response(proc.stderr).text());
    expect({ code: await proc.exited, out }).toEqual({ code: 0, out: "" });
  });

  test.each(files)("%s starts with a POSIX shell line and a comment saying what it is", (f) => {
    const [first, second] = readFileSync(join(HOOKS_DIR, f), "utf8").split("\n");
    // mkinitcpio's runtime hooks name busybox ash, as mkinitcpio's own do; the rest name /bin/sh.
    expect(first).toBe(f === "mkinitcpio/hooks/ukiboot" ? "#!/usr/bin/ash" : "#!/bin/sh");
    expect(second).toStartWith("# ");
  });

  test.each(files.filter((f) => SCRIPTS[f]!.sourced))("%s, sourced by a generator, leaves the shell's options and names alone", (f) => {
    const text = readFileSync(join(HOOKS_DIR, f), "utf8");
    const code = text.split("\n").filter((l) => !/^\s*#/.test(l));
    expect(code.filter((l) => /^\s*set\s+[-+]/.test(l))).toEqual([]);
    expect(code.filter((l) => /^\s*exit\b/.test(l))).toEqual([]);
    const functions = [...text.matchAll(/^([A-Za-z_][A-Za-z0-9_]*)\(\)/gm)].map((m) => m[1]!);
    expect(functions.filter((n) => !n.startsWith("ukiboot_") && !SCRIPTS[f]!.api.includes(n))).toEqual([]);
    // Top-level variables are ukiboot_ or UKIBOOT_ ones (moddir and friends belong to the generator).
    const assigned = [...text.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]!);
    expect(assigned.filter((n) => !/^(ukiboot_|UKIBOOT_)/.test(n) && !(SCRIPTS[f]!.subshellOnly ?? []).includes(n))).toEqual([]);
  });
});
