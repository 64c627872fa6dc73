/**
 * The target's sentinel block: its /init says whether efivarfs was mounted (a missing EFI variable proves
 * nothing otherwise), and parseTargetReport reads that back. The init's efivarfs lines are run by sh over a
 * stand-in /sys/firmware/efi and a stand-in mount, in the three states a boot can leave them.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseTargetReport, SENTINEL, targetInit } from "../../lab/target-system.ts";

const block = (...lines: string[]) => [`${SENTINEL}-BEGIN name=os-a`, ...lines, `${SENTINEL}-END name=os-a`].join("\r\n");

describe("parseTargetReport", () => {
  test("reads the efivarfs state next to the variables", () => {
    const r = parseTargetReport(block(`${SENTINEL}-EFIVARFS mounted`, `${SENTINEL}-EFIVAR LoaderBootCountPath-x \\EFI\\Linux\\x+2-1.efi`));
    expect(r?.efivarfs).toBe("mounted");
    expect(r?.efivars).toEqual({ "LoaderBootCountPath-x": "\\EFI\\Linux\\x+2-1.efi" });
    expect(parseTargetReport(block(`${SENTINEL}-EFIVARFS absent`))?.efivarfs).toBe("absent");
    expect(parseTargetReport(block(`${SENTINEL}-EFIVARFS failed: exit 255: mount: No such device`))?.efivarfs).toBe("failed: exit 255: mount: No such device");
  });

  test("a block without the line leaves it undefined, never mounted", () => {
    expect(parseTargetReport(block(`${SENTINEL}-CMDLINE quiet`))?.efivarfs).toBeUndefined();
    expect(parseTargetReport(block(`${SENTINEL}-EFIVARFS maybe`))?.efivarfs).toBeUndefined();
  });
});

describe("the target's /init reports efivarfs", () => {
  /** Runs the init's lines up to its EFIVARFS line, with /sys/firmware/efi at `efi` and a mount that does what `mountEfivarfs` says. */
  function efivarfsLine(opts: { efi: "none" | "no-efivars" | "efivars"; mountEfivarfs: "ok" | "fail" }): string | undefined {
    const dir = mkdtempSync(join(tmpdir(), "target-init-"));
    const efi = join(dir, "firmware/efi");
    if (opts.efi !== "none") mkdirSync(opts.efi === "efivars" ? join(efi, "efivars") : efi, { recursive: true });
    const bin = join(dir, "bin");
    mkdirSync(bin);
    const fail = opts.mountEfivarfs === "fail" ? 'echo "mount: mounting efivarfs on $4 failed: No such device" >&2; exit 255' : "exit 0";
    writeFileSync(join(bin, "mount"), `#!/bin/sh\n[ "$2" = efivarfs ] || exit 0\n${fail}\n`);
    writeFileSync(join(bin, "insmod"), "#!/bin/sh\nexit 0\n");
    for (const f of ["mount", "insmod"]) chmodSync(join(bin, f), 0o755);
    const init = targetInit("os-a");
    const upTo = init.indexOf("\n", init.indexOf(`${SENTINEL}-EFIVARFS`));
    const script = init.slice(0, upTo).replaceAll("/sys/firmware/efi", efi).replace("export PATH=/bin", `export PATH=${bin}`);
    try {
      const r = Bun.spawnSync(["sh", "-c", `${script}\necho "${SENTINEL}-END name=os-a"`]);
      expect(r.exitCode).toBe(0);
      return parseTargetReport(r.stdout.toString())?.efivarfs;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test("no /sys/firmware/efi (LinuxBoot style): absent, not a failure", () => {
    expect(efivarfsLine({ efi: "none", mountEfivarfs: "fail" })).toBe("absent");
  });

  test("an EFI boot whose efivarfs mounts: mounted", () => {
    expect(efivarfsLine({ efi: "efivars", mountEfivarfs: "ok" })).toBe("mounted");
  });

  test("an EFI boot whose efivarfs does not mount: failed, with mount's status and message on one line", () => {
    const expected = "failed: exit 255: mount: mounting efivarfs on /";
    expect(efivarfsLine({ efi: "efivars", mountEfivarfs: "fail" })).toStartWith(expected);
    expect(efivarfsLine({ efi: "no-efivars", mountEfivarfs: "fail" })).toEndWith("failed: No such device");
  });
});
