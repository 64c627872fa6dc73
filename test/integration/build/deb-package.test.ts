/**
 * The Debian package (build/deb.ts) built from dist/ukiboot: its fields and files as dpkg-deb reads them,
 * lintian's findings (only the maintainer address remains; the Bun executable's are overridden with the
 * reason), and its postinst under dash with a fake ukiboot: it installs only when /etc/default/ukiboot says
 * yes, and never fails the package.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDeb } from "../../../build/deb.ts";
import { REPO_ROOT } from "../../../build/debian.ts";
import { VERSION } from "../../../src/version.ts";

const BINARY = join(REPO_ROOT, "dist/ukiboot");
let deb = "";

beforeAll(async () => {
  if (!existsSync(BINARY)) throw new Error(`Cannot build the package: "${BINARY}" does not exist; run bun run build first (npm test does)`);
  // xz level 0: the format is what is checked here, and the package is thrown away.
  deb = await buildDeb({ binary: BINARY, arch: "x64", outDir: mkdtempSync(join(tmpdir(), "deb-")), level: 0 });
}, 300_000);

const sh = (argv: string[], env: Record<string, string> = {}) => {
  const r = Bun.spawnSync(argv, { env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ...env }, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
};

describe("the Debian package", () => {
  test("is ukiboot, this version, amd64, with what the installer needs", () => {
    const field = (f: string) => sh(["dpkg-deb", "-f", deb, f]).stdout.trim();
    expect(deb.endsWith(`ukiboot_${VERSION}_amd64.deb`)).toBe(true);
    expect([field("Package"), field("Version"), field("Architecture"), field("Depends")]).toEqual([
      "ukiboot",
      VERSION,
      "amd64",
      "libc6, busybox | busybox-static",
    ]);
    expect(field("Recommends")).toBe("systemd-ukify, systemd-boot-efi, xz-utils");
  });

  test("holds the binary, the hooks, the kernel-install plugin, the units, the defaults file and the man page", () => {
    const files = sh(["dpkg-deb", "-c", deb])
      .stdout.split("\n")
      .filter((l) => l.startsWith("-"))
      .map((l) => `${l.split(/\s+/)[0]} ${l.split(/\s+/).at(-1)!.replace(/^\.\//, "/")}`)
      .sort();
    expect(files).toEqual(
      [
        "-rw-r--r-- /etc/default/ukiboot",
        "-rwxr-xr-x /usr/bin/ukiboot",
        "-rwxr-xr-x /usr/lib/kernel/install.d/90-ukiboot.install",
        "-rw-r--r-- /usr/lib/systemd/system/ukiboot-kdump.service",
        "-rw-r--r-- /usr/lib/systemd/system/ukiboot-kexec.service",
        "-rw-r--r-- /usr/lib/ukiboot/initrd-hooks/common/files.list",
        "-rwxr-xr-x /usr/lib/ukiboot/initrd-hooks/common/files.sh",
        "-rwxr-xr-x /usr/lib/ukiboot/initrd-hooks/common/init-shim.sh",
        "-rwxr-xr-x /usr/lib/ukiboot/initrd-hooks/common/udhcpc-lease.sh",
        "-rwxr-xr-x /usr/lib/ukiboot/initrd-hooks/dracut/90ukiboot/module-setup.sh",
        "-rwxr-xr-x /usr/lib/ukiboot/initrd-hooks/dracut/90ukiboot/ukiboot-hook.sh",
        "-rwxr-xr-x /usr/lib/ukiboot/initrd-hooks/initramfs-tools/hooks/ukiboot",
        "-rwxr-xr-x /usr/lib/ukiboot/initrd-hooks/initramfs-tools/scripts/init-premount/ukiboot",
        "-rw-r--r-- /usr/share/doc/ukiboot/changelog.gz",
        "-rw-r--r-- /usr/share/doc/ukiboot/copyright",
        "-rw-r--r-- /usr/share/lintian/overrides/ukiboot",
        "-rw-r--r-- /usr/share/man/man8/ukiboot.8.gz",
      ].sort(),
    );
    expect(sh(["dpkg-deb", "-I", deb, "conffiles"]).stdout).toBe("/etc/default/ukiboot\n");
  });

  test("lintian finds only the maintainer address, which the builder sets with DEBFULLNAME and DEBEMAIL", () => {
    const r = sh(["lintian", "--tag-display-limit", "0", deb], { HOME: tmpdir() });
    const tags = r.stdout
      .split("\n")
      .filter((l) => /^[EW]: /.test(l))
      .map((l) => l.split(" ")[2])
      .sort();
    expect(tags).toEqual(["bogus-mail-host", "bogus-mail-host-in-debian-changelog"]);
  });

  test("the man page is well-formed groff with every command", () => {
    const page = sh(["sh", "-c", `dpkg-deb --fsys-tarfile "${deb}" | tar -xOf - ./usr/share/man/man8/ukiboot.8.gz | gunzip`]).stdout;
    const check = Bun.spawnSync(["groff", "-man", "-Tutf8", "-ww", "-z"], { stdin: new TextEncoder().encode(page), stderr: "pipe" });
    expect({ code: check.exitCode, warnings: check.stderr.toString() }).toEqual({ code: 0, warnings: "" });
    for (const c of ["install", "update", "remove", "status", "list", "boot", "kdump"]) expect(page).toContain(`.SS ${c}\n`);
  });
});

describe("the postinst", () => {
  const postinst = join(REPO_ROOT, "build/deb/postinst");
  function run(defaults: string, ukibootStatus: number) {
    const dir = mkdtempSync(join(tmpdir(), "postinst-"));
    writeFileSync(join(dir, "default"), defaults);
    writeFileSync(join(dir, "ukiboot"), `#!/bin/sh\necho "$*" >> "${dir}/calls"\nexit ${ukibootStatus}\n`);
    chmodSync(join(dir, "ukiboot"), 0o755);
    const r = sh(["dash", postinst, "configure"], { PATH: `${dir}:/usr/bin:/bin`, UKIBOOT_DEFAULTS: join(dir, "default") });
    return { ...r, calls: existsSync(join(dir, "calls")) ? readFileSync(join(dir, "calls"), "utf8") : "" };
  }

  test("installs nothing with the shipped defaults", () => {
    expect(run(readFileSync(join(REPO_ROOT, "build/deb/default"), "utf8"), 0)).toMatchObject({ code: 0, calls: "" });
  });
  test("runs ukiboot install --graceful with the options when UKIBOOT_INSTALL=yes", () => {
    const r = run('UKIBOOT_INSTALL=yes\nUKIBOOT_INSTALL_OPTIONS="--sign-key /k --sign-cert /c"\n', 0);
    expect(r).toMatchObject({ code: 0, calls: "install --graceful --sign-key /k --sign-cert /c\n" });
  });
  test("a failing install is said and does not fail the package", () => {
    const r = run("UKIBOOT_INSTALL=yes\n", 1);
    expect(r).toMatchObject({ code: 0, calls: "install --graceful\n" });
    expect(r.stderr).toBe('ukiboot: "ukiboot install" failed; the machine boots as before. Run it by hand to see why.\n');
  });
});
