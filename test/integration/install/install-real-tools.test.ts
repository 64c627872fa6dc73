/**
 * The built binary's `ukiboot install` with the real tools: Debian trixie's ukify 257 and systemd-stub 257
 * (from .cache, ukify put on PATH by a wrapper), sbsign, and Debian's cloud kernel. The image is a UKI whose
 * .initrd is ukiboot's initramfs, sbverify accepts its signature, status reads it back, and remove leaves the
 * ESP directory as it was.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { debianParts, REPO_ROOT } from "../../../build/debian.ts";
import { run } from "../../../build/lib/run-command.ts";
import { systemdProgram257 } from "../../lab/systemd-measure.ts";
import { trustFixtures, type TrustFixtures } from "../support/real-trust-fixtures.ts";

const BINARY = join(REPO_ROOT, "dist/ukiboot");
let parts: Awaited<ReturnType<typeof debianParts>>;
let keys: TrustFixtures["keys"];
let path = "";

beforeAll(async () => {
  if (!existsSync(BINARY)) throw new Error(`Cannot run the installer: "${BINARY}" does not exist; run bun run build first (npm test does)`);
  parts = await debianParts();
  keys = (await trustFixtures()).keys;
  // ukify as the system would have it on PATH: trixie's, with its pefile.
  const bin = mkdtempSync(join(tmpdir(), "ukify-bin-"));
  const env = Object.entries(parts.ukify.env)
    .map(([k, v]) => `${k}='${v}'`)
    .join(" ");
  writeFileSync(join(bin, "ukify"), `#!/bin/sh\n${env} exec ${parts.ukify.argv.map((a) => `'${a}'`).join(" ")} "$@"\n`);
  chmodSync(join(bin, "ukify"), 0o755);
  path = `${bin}:${process.env.PATH}`;
}, 300_000);

function files(dir: string, rel = ""): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? [`${rel}${e.name}/`, ...files(dir, `${rel}${e.name}/`)] : [`${rel}${e.name}`]))
    .sort();
}

describe("ukiboot install with ukify 257, systemd-stub 257 and sbsign", () => {
  test("a signed UKI of the cloud kernel and ukiboot's initramfs; status reads it; remove leaves the ESP as it was", async () => {
    const esp = mkdtempSync(join(tmpdir(), "real-esp-"));
    const pcrlock = join(mkdtempSync(join(tmpdir(), "real-pcrlock-")), "pcrlock.d", "640-ukiboot-boot-image.pcrlock");
    mkdirSync(join(esp, "EFI/BOOT"), { recursive: true });
    writeFileSync(join(esp, "EFI/BOOT/BOOTX64.EFI"), "another loader");
    const before = files(esp);
    const ukiboot = (...args: string[]) => run([BINARY, ...args], { env: { PATH: path } });
    const installed = await ukiboot(
      "install",
      "--esp",
      esp,
      "--no-boot-entry",
      "--kernel",
      parts.vmlinuz,
      "--stub",
      parts.linuxStub,
      "--sign-key",
      keys.db.key,
      "--sign-cert",
      keys.db.crt,
      "--pcrlock",
      pcrlock,
    );
    expect(installed.stdout).toContain(", signed by /CN=ukiboot test db), built from");
    const image = join(esp, "EFI/ukiboot/ukibootx64.efi");
    // run() throws when sbverify exits non-zero.
    expect((await run(["sbverify", "--cert", keys.db.crt, image])).stdout).toContain("Signature verification OK");
    const inspect = JSON.parse((await ukiboot("inspect", "--json", image)).stdout);
    expect(inspect.kind).toBe("uki");
    expect(inspect.sections.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining([".linux", ".initrd", ".cmdline", ".osrel", ".uname"]));
    expect(inspect.profiles[0].name).toBe("ukiboot boot image");
    const status = await ukiboot("status", "--esp", esp);
    expect(status.stdout).toContain("Boot image: EFI/ukiboot/ukibootx64.efi (as installed), signed by /CN=ukiboot test db\n");
    expect(status.stdout).toContain("Update due: no\n");
    // The pcrlock file is what systemd-pcrlock 257 itself writes for the image.
    const reference = join(tmpdir(), `lock-uki-${process.pid}.pcrlock`);
    await run([...(await systemdProgram257("systemd-pcrlock")), "lock-uki", image, `--pcrlock=${reference}`]);
    expect(readFileSync(pcrlock, "utf8")).toBe(readFileSync(reference, "utf8"));
    expect(status.stdout).toContain(`pcrlock file: ${pcrlock} (as installed)\n`);
    await ukiboot("remove", "--esp", esp);
    expect(files(esp)).toEqual(before);
    expect(existsSync(pcrlock)).toBe(false);
  }, 300_000);
});
