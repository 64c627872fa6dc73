/**
 * ESP trees that real tools make: a UKI around the real Debian trixie kernel (ukify 257), and what
 * `bootctl link` of systemd 262 puts on an ESP for UKIs built by ukify 262. Built once per description and
 * code (test/lab/build-once.ts).
 */
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ACME_OSREL } from "../../support/esp-fixtures.ts";
import { buildOnce } from "../../lab/build-once.ts";
import { buildUki, type UkiSpec } from "./ukify-fixtures.ts";

/** A tree built once per description and code (test/lab/build-once.ts). */
function cachedTree(name: string, key: unknown, fill: (dir: string) => Promise<void>): Promise<string> {
  return buildOnce(`bls-${name}`, { inputs: key, code: import.meta.path, single: true }, fill);
}

function place(src: string, dest: string): void {
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(src, dest);
}

/** An ESP with one UKI around the real Debian trixie kernel, to prove listing does not read it. */
export async function debianKernelTree(): Promise<{ esp: string; uki: string }> {
  const spec: UkiSpec = { linux: "debian", osRelease: 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nVERSION_ID=13\n', cmdline: "root=/dev/vda1 ro" };
  const dir = await cachedTree("debian-esp", spec, async (d) => {
    place(await buildUki(spec), join(d, "esp/EFI/Linux/debian.efi"));
  });
  return { esp: join(dir, "esp"), uki: join(dir, "esp/EFI/Linux/debian.efi") };
}

/** What `bootctl link` of systemd 262 puts on the ESP for two UKIs built by ukify 262 (docs/entries.md §6). */
const LINK_UKIS: Record<string, UkiSpec> = {
  "acme-1.0.efi": {
    systemd: 262,
    osRelease: ACME_OSREL("1.0"),
    cmdline: "root=/dev/vda2 quiet",
    uname: "6.12.0-acme1",
    profile: "ID=main\nTITLE=Regular",
    profiles: [
      { profile: "ID=reset\nTITLE=Factory reset", cmdline: "root=/dev/vda2 factory-reset" },
      { profile: "DESCRIPTION=no id and no title", cmdline: "root=/dev/vda2 debug" },
    ],
  },
  "acme-0.9.efi": { systemd: 262, osRelease: ACME_OSREL("0.9"), cmdline: "root=/dev/vda2", uname: "6.12.0-acme0" },
  "other-2.efi": { systemd: 262, osRelease: 'ID=other\nPRETTY_NAME="Other OS"\nVERSION_ID=2\n', cmdline: "root=/dev/vdb2", uname: "6.12.0-other" },
};

/**
 * Runs systemd 262's `bootctl link` into `esp`: the UKI with extras and a try counter, as systemd-sysupdate
 * would. The entry token is a literal, so the names do not depend on the machine.
 */
async function link(esp: string, uki: string, args: string[]): Promise<void> {
  const { forkyBootctl } = await import("../../support/bootctl.ts");
  const b = await forkyBootctl();
  if (typeof b === "string") throw new Error(`Cannot make the bootctl link tree: ${b}`);
  await b.write(esp, ["link", "--entry-token=literal:acme", ...args, uki]);
}

/** Extra files for `bootctl link --extra`, by name. */
const LINK_EXTRAS: Record<string, string> = { "a.cred": "credential a\n", "b.sysext.raw": "sysext b\n", "c.confext.raw": "confext c\n" };

/**
 * The `bootctl link` ESP: acme 1.0 (three profiles, three extras, 3 tries) and acme 0.9 (no extras), linked by
 * bootctl 262 itself. Its machine-id lines come from this machine's /etc/machine-id.
 */
export function linkTree(): Promise<{ esp: string }> {
  return cachedTree("link-esp", { LINK_UKIS, LINK_EXTRAS }, async (dir) => {
    const esp = join(dir, "esp");
    mkdirSync(join(esp, "loader"), { recursive: true });
    const extras = join(dir, "extras");
    mkdirSync(extras, { recursive: true });
    for (const [name, text] of Object.entries(LINK_EXTRAS)) writeFileSync(join(extras, name), text);
    const staged = (name: string) => join(dir, "staged", name);
    for (const [name, spec] of Object.entries(LINK_UKIS)) place(await buildUki(spec), staged(name));
    await link(esp, staged("acme-1.0.efi"), [...Object.keys(LINK_EXTRAS).map((n) => `--extra=${join(extras, n)}`), "--tries-left=3"]);
    await link(esp, staged("acme-0.9.efi"), []);
  }).then((dir) => ({ esp: join(dir, "esp") }));
}

/**
 * A mixed ESP: the `bootctl link` entries above, a Type #2 UKI, a Type #1 `linux` entry, a counted entry with no
 * tries left, a name whose counter is malformed, global extensions and credentials, and `preferred` next to
 * `default` in loader.conf.
 */
export function mixedTree(): Promise<{ esp: string }> {
  return cachedTree("mixed-esp", { LINK_UKIS, LINK_EXTRAS, v: 1 }, async (dir) => {
    const esp = join(dir, "esp");
    const link = await linkTree();
    await import("node:fs").then((fs) => fs.cpSync(link.esp, esp, { recursive: true }));
    place(await buildUki(LINK_UKIS["other-2.efi"]!), join(esp, "EFI/Linux/other-2.efi"));
    mkdirSync(join(esp, "legacy"), { recursive: true });
    writeFileSync(join(esp, "legacy/vmlinuz"), "not a kernel, never read by listing\n");
    writeFileSync(join(esp, "legacy/initrd.img"), "initrd\n");
    writeFileSync(
      join(esp, "loader/entries/legacy-5.4.conf"),
      "title Legacy\nsort-key legacy\nversion 5.4\nlinux /legacy/vmlinuz\ninitrd /legacy/initrd.img\noptions root=/dev/vda3\n",
    );
    // acme 0.9's entry has used up its tries: boot counting marked it bad.
    const entries = join(esp, "loader/entries");
    renameSync(join(entries, "acme-commit_2.0.9.conf"), join(entries, "acme-commit_2.0.9+0-3.conf"));
    writeFileSync(join(entries, "acme-oops+1-x.conf"), "title Malformed counter\nuki /EFI/Linux/other-2.efi\n");
    mkdirSync(join(esp, "loader/extensions"), { recursive: true });
    mkdirSync(join(esp, "loader/credentials"), { recursive: true });
    writeFileSync(join(esp, "loader/extensions/tools.sysext.raw"), "global sysext\n");
    writeFileSync(join(esp, "loader/extensions/site.confext.raw"), "global confext\n");
    writeFileSync(join(esp, "loader/credentials/site.cred"), "global credential\n");
    writeFileSync(join(esp, "loader/loader.conf"), "preferred acme-commit_*\ndefault other-*\ntimeout 3\n");
  }).then((dir) => ({ esp: join(dir, "esp") }));
}
