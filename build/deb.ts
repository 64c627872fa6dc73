/**
 * `bun run build -- --deb`: dist/ukiboot_<version>_<arch>.deb, made with dpkg-deb from the built binary: the
 * binary, the initramfs hooks under /usr/lib/ukiboot/initrd-hooks (which the generators' hooks look for
 * there, and which no generator uses unless asked), the kernel-install plugin, the units for a running
 * system, /etc/default/ukiboot with the postinst that reads it, and a man page made from every command's
 * --help.
 */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { commands } from "../src/cli/commands/index.ts";
import { VERSION } from "../src/version.ts";
import { REPO_ROOT } from "./debian.ts";
import { run } from "./lib/run-command.ts";

const DEB_ARCH = { x64: "amd64", arm64: "arm64" } as const;

/** Who built the package, as dch takes it from DEBFULLNAME and DEBEMAIL. */
function maintainer(): string {
  return `${process.env.DEBFULLNAME ?? "ukiboot builder"} <${process.env.DEBEMAIL ?? "ukiboot@localhost"}>`;
}

/** The man page: every command's --help, as a section of one page (groff, man(7) macros). */
export function manPage(date: string): string {
  // Backslashes and leading dots escaped; characters past ASCII as groff's \[uXXXX], which every device draws.
  const esc = (s: string) =>
    s
      .replaceAll("\\", "\\e")
      .replace(/^([.'])/gm, "\\&$1")
      .replace(/[^\x00-\x7f]/g, (c) => `\\[u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}]`);
  const lines = [
    `.TH UKIBOOT 8 "${date}" "ukiboot ${VERSION}" "System Administration"`,
    ".SH NAME",
    "ukiboot \\- a kexec boot loader for Unified Kernel Images, with systemd-boot's menu and systemd-stub's behaviour",
    ".SH SYNOPSIS",
    ".B ukiboot",
    ".I COMMAND",
    "[\\fIOPTIONS\\fR]",
    ".SH DESCRIPTION",
    "ukiboot runs in an early initramfs: it lists the UKIs and Type #1 entries of the EFI System Partition as systemd-boot does, shows a menu or boots the default, verifies and measures the chosen UKI as systemd-stub would, and starts its kernel with kexec. On a running system the same binary lists, plans and loads kernels for systemctl kexec and kdump, and installs its own boot image.",
    ".SH COMMANDS",
  ];
  for (const c of commands) lines.push(`.SS ${c.name}`, esc(c.summary), ".PP", ".nf", esc(c.help), ".fi");
  lines.push(".SH FILES", ".TP", ".I /etc/default/ukiboot", "Whether the package's postinst runs ukiboot install, and with which options.");
  lines.push(".TP", ".I loader/ukiboot/install.json", "On the ESP: what ukiboot install wrote, which ukiboot remove undoes.");
  lines.push(".SH SEE ALSO", "bootctl(1), kernel-install(8), systemd-stub(7), kexec_file_load(2)");
  return `${lines.join("\n")}\n`;
}

function sizeKiB(dir: string): number {
  let bytes = 0;
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else bytes += s.size;
    }
  };
  walk(dir);
  return Math.ceil(bytes / 1024);
}

/** `level`: xz's, 0–9; the default (6) for a package to keep, 0 where one is built only to be looked at. */
export async function buildDeb(opts: { binary: string; arch: "x64" | "arm64"; outDir: string; level?: number }): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), "ukiboot-deb-"));
  try {
    const at = (p: string) => join(root, p);
    const put = (p: string, data: string | Uint8Array, mode = 0o644) => {
      mkdirSync(join(at(p), ".."), { recursive: true });
      writeFileSync(at(p), data);
      chmodSync(at(p), mode);
    };
    mkdirSync(at("usr/bin"), { recursive: true });
    cpSync(opts.binary, at("usr/bin/ukiboot"));
    chmodSync(at("usr/bin/ukiboot"), 0o755);
    // mkinitcpio's hooks are for Arch Linux's generator, which Debian does not have.
    for (const dir of ["common", "dracut", "initramfs-tools"])
      cpSync(join(REPO_ROOT, "initrd-hooks", dir), at(`usr/lib/ukiboot/initrd-hooks/${dir}`), { recursive: true });
    cpSync(join(REPO_ROOT, "initrd-hooks/kernel-install/90-ukiboot.install"), at("usr/lib/kernel/install.d/90-ukiboot.install"));
    for (const unit of ["ukiboot-kdump.service", "ukiboot-kexec.service"]) cpSync(join(REPO_ROOT, "build/systemd", unit), at(`usr/lib/systemd/system/${unit}`));
    cpSync(join(REPO_ROOT, "build/deb/default"), at("etc/default/ukiboot"));
    cpSync(join(REPO_ROOT, "build/deb/copyright"), at("usr/share/doc/ukiboot/copyright"));
    const date = new Date().toUTCString().replace(/GMT$/, "+0000");
    put(
      "usr/share/doc/ukiboot/changelog.gz",
      gzipSync(`ukiboot (${VERSION}) unstable; urgency=medium\n\n  * Built from the ukiboot sources.\n\n -- ${maintainer()}  ${date}\n`, { level: 9 }),
    );
    put("usr/share/man/man8/ukiboot.8.gz", gzipSync(manPage(new Date().toISOString().slice(0, 10)), { level: 9 }));
    // Directories 0755 and files 0644 unless executable, whatever the checkout's umask left.
    await run(["chmod", "-R", "u=rwX,go=rX", root]);
    for (const exe of ["usr/bin/ukiboot", "usr/lib/kernel/install.d/90-ukiboot.install"]) chmodSync(at(exe), 0o755);
    await run(["sh", "-c", `find "${root}/usr/lib/ukiboot/initrd-hooks" -type f -perm -u=x -exec chmod 0755 {} +`]);
    // Sourced by the generators' hooks, but it starts with #!/bin/sh like every hook, so it is executable too.
    chmodSync(at("usr/lib/ukiboot/initrd-hooks/common/files.sh"), 0o755);
    cpSync(join(REPO_ROOT, "build/deb/lintian-overrides"), at("usr/share/lintian/overrides/ukiboot"));
    chmodSync(at("usr/share/lintian/overrides/ukiboot"), 0o644);

    mkdirSync(at("DEBIAN"));
    put("DEBIAN/postinst", await Bun.file(join(REPO_ROOT, "build/deb/postinst")).bytes(), 0o755);
    put("DEBIAN/conffiles", "/etc/default/ukiboot\n");
    put(
      "DEBIAN/control",
      [
        "Package: ukiboot",
        `Version: ${VERSION}`,
        `Architecture: ${DEB_ARCH[opts.arch]}`,
        `Maintainer: ${maintainer()}`,
        `Installed-Size: ${sizeKiB(root)}`,
        "Depends: libc6, busybox | busybox-static",
        "Recommends: systemd-ukify, systemd-boot-efi, xz-utils",
        "Suggests: sbsigntool",
        "Section: admin",
        "Priority: optional",
        "Description: kexec boot loader for Unified Kernel Images",
        " ukiboot lives in an early initramfs: it lists UKIs and Type #1 entries as",
        " systemd-boot does, shows a menu or boots the default, verifies and measures",
        " the chosen UKI as systemd-stub would, and starts its kernel with kexec.",
        " ukiboot install builds its boot image from this machine's kernel and makes",
        " it the first firmware boot entry.",
        "",
      ].join("\n"),
    );
    mkdirSync(opts.outDir, { recursive: true });
    const out = join(opts.outDir, `ukiboot_${VERSION}_${DEB_ARCH[opts.arch]}.deb`);
    // xz, as the Debian archive takes packages (lintian calls zstd members malformed).
    await run(["dpkg-deb", "--root-owner-group", "-Zxz", `-z${opts.level ?? 6}`, "--build", root, out]);
    return out;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
