/**
 * initrd-hooks/kernel-install/90-ukiboot.install under dash and busybox ash, with a fake ukiboot that records
 * its arguments: add and remove ask "ukiboot update --graceful", anything else does nothing, a failing update
 * is reported with its status, and a ukiboot that is gone is not an error.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HOOKS_DIR, scratchDir, SHELLS } from "../../support/sh-harness.ts";

const PLUGIN = join(HOOKS_DIR, "kernel-install/90-ukiboot.install");

/** The plugin run by `shell` itself (not through its #! line), as kernel-install would with that shell as /bin/sh. */
async function plugin(shell: string[], args: string[], env: Record<string, string>): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn([...shell, PLUGIN, ...args], {
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ...env },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { exitCode: await proc.exited, stdout, stderr };
}

function fakeUkiboot(status: number): { binary: string; calls: string } {
  const dir = scratchDir("kernel-install");
  const calls = join(dir, "calls");
  const binary = join(dir, "ukiboot");
  writeFileSync(binary, `#!/bin/sh\necho "$*" >> "${calls}"\nexit ${status}\n`);
  chmodSync(binary, 0o755);
  return { binary, calls };
}

describe("the kernel-install plugin", () => {
  for (const shell of SHELLS) {
    test(`${shell.name}: add and remove run ukiboot update --graceful; inspect does nothing`, async () => {
      const u = fakeUkiboot(0);
      for (const command of ["add", "remove", "inspect"]) {
        const r = await plugin(shell.argv, [command, "6.12.57+deb13-amd64", "/efi/x", "/boot/vmlinuz"], { UKIBOOT_BINARY: u.binary });
        expect([command, r.exitCode, r.stderr]).toEqual([command, 0, ""]);
      }
      expect(readFileSync(u.calls, "utf8")).toBe("update --graceful\nupdate --graceful\n");
    });

    test(`${shell.name}: a failing update is reported with its status, which kernel-install sees`, async () => {
      const u = fakeUkiboot(1);
      const r = await plugin(shell.argv, ["remove", "6.12.57+deb13-amd64"], { UKIBOOT_BINARY: u.binary });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toBe('ukiboot: "ukiboot update" failed with status 1; the boot image may be out of date: run ukiboot status\n');
    });

    test(`${shell.name}: without ukiboot (the package being removed) it does nothing`, async () => {
      const r = await plugin(shell.argv, ["add", "6.12.57+deb13-amd64"], { UKIBOOT_BINARY: "/nonexistent/ukiboot" });
      expect([r.exitCode, r.stdout, r.stderr]).toEqual([0, "", ""]);
      expect(existsSync("/nonexistent/ukiboot")).toBe(false);
    });
  }
});
