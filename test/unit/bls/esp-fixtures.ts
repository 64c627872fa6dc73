/**
 * ESP trees with real UKIs for the discovery, differential and fuzz tests. Built once (test/lab/build-once.ts) from fixtures of test/support/uki-fixtures.ts, plus a few files
 * broken on purpose. The committed Type #1 trees are in test/fixtures/bls/.
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { buildOnce } from "../../lab/build-once.ts";
import { parsePe } from "../../../src/pe/pe.ts";
import { buildAddon, buildUki, type UkiSpec } from "../../support/uki-fixtures.ts";

export const COMMITTED_TREES = resolve(import.meta.dir, "../../fixtures/bls");

export const ACME_OSREL = (version: string) => `ID=acme\nPRETTY_NAME="Acme OS"\nVERSION_ID=${version}\n`;

/** What goes into the UKI tree; its hash names the cached directory. */
const UKI_TREE: Record<string, UkiSpec> = {
  "EFI/Linux/acme-1.0+3-1.efi": {
    osRelease: ACME_OSREL("1.0"),
    cmdline: "root=/dev/vda2 quiet",
    uname: "6.12.0-acme1",
    profile: "ID=main\nTITLE=Regular",
    profiles: [
      { profile: "ID=reset", cmdline: "root=/dev/vda2 factory-reset" },
      { profile: "DESCRIPTION=no id and no title", cmdline: "root=/dev/vda2 debug" },
    ],
  },
  "EFI/Linux/acme-0.9.efi": { osRelease: ACME_OSREL("0.9"), cmdline: "root=/dev/vda2", uname: "6.12.0-acme0" },
  "EFI/Linux/bad+0-2.efi": { osRelease: 'ID=zzz\nPRETTY_NAME="Broken OS"\n', cmdline: "x" },
  "EFI/Linux/nosort.efi": { osRelease: "NAME=Plain\n" },
  "EFI/Linux/UPPER.EFI": { osRelease: 'ID=upper\nPRETTY_NAME="Upper OS"\nVERSION_ID=2\n' },
};

export interface UkiTree {
  esp: string;
}

let treePromise: Promise<UkiTree> | undefined;

/** A tree built once per description and code (test/lab/build-once.ts). */
function cachedTree(name: string, key: unknown, fill: (dir: string) => Promise<void>): Promise<string> {
  return buildOnce(`bls-${name}`, { inputs: key, code: import.meta.path, single: true }, fill);
}

function place(src: string, dest: string): void {
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(src, dest);
}

/** The UKI ESP: UKIs, profiles, counters, add-ons and broken files. */
export function ukiTree(): Promise<UkiTree> {
  treePromise ??= (async () => {
    const esp = await cachedTree("uki-esp", UKI_TREE, async (dir) => {
      const esp = join(dir, "esp");
      for (const [path, spec] of Object.entries(UKI_TREE)) place(await buildUki(spec), join(esp, path));
      mkdirSync(join(esp, "loader"), { recursive: true });
      writeFileSync(join(esp, "loader", "loader.conf"), "default acme-*\ntimeout 5\n");
      place(await buildAddon({ cmdline: "global=1" }), join(esp, "loader/addons/global.addon.efi"));
      place(await buildAddon({ cmdline: "local=1", uname: "6.12.0-acme0" }), join(esp, "EFI/Linux/acme-0.9.efi.extra.d/local.addon.efi"));
      place(await buildAddon({ cmdline: "mismatch=1", uname: "6.99.0" }), join(esp, "EFI/Linux/acme-0.9.efi.extra.d/mismatch.addon.efi"));
      // Add-ons of the counted UKI live in the directory without the counter (docs/initrd.md §1).
      place(await buildAddon({ cmdline: "counted=1" }), join(esp, "EFI/Linux/acme-1.0.efi.extra.d/counted.addon.efi"));
      // Broken on purpose.
      place(await buildAddon({ cmdline: "i am an add-on" }), join(esp, "EFI/Linux/is-addon.efi"));
      const good = readFileSync(await buildUki(UKI_TREE["EFI/Linux/acme-0.9.efi"]!));
      writeFileSync(join(esp, "EFI/Linux/truncated.efi"), good.subarray(0, 3000));
      writeFileSync(join(esp, "EFI/Linux/cut-sections.efi"), good.subarray(0, good.length - 1024));
      const nul = new Uint8Array(good);
      const osrel = parsePe(nul, { source: "x" }).sections.find((s) => s.name === ".osrel")!;
      nul[osrel.fileOffset + 3] = 0;
      writeFileSync(join(esp, "EFI/Linux/nul-osrel.efi"), nul);
      // ukify always adds an .osrel (the host's when none is given); rename it to get a UKI without one.
      const noOsrel = new Uint8Array(good);
      noOsrel.set(new TextEncoder().encode(".osrex"), osrel.headerOffset);
      writeFileSync(join(esp, "EFI/Linux/noosrel.efi"), noOsrel);
      mkdirSync(join(esp, "EFI/Linux/dir.efi"), { recursive: true });
      place(await buildUki(UKI_TREE["EFI/Linux/acme-0.9.efi"]!), join(esp, "EFI/Linux/.hidden.efi"));
      place(await buildUki(UKI_TREE["EFI/Linux/acme-0.9.efi"]!), join(esp, "EFI/Linux/auto-acme.efi"));
      // Type #1 entries next to the UKIs.
      mkdirSync(join(esp, "loader/entries"), { recursive: true });
      writeFileSync(join(esp, "loader/entries/acme-uki.conf"), "title Acme through Type 1\nuki /EFI/Linux/acme-1.0+3-1.efi\nprofile 1\noptions quiet\n");
      writeFileSync(join(esp, "loader/entries/acme-efi.conf"), "title Acme as efi\nefi /EFI/Linux/acme-0.9.efi\n");
      writeFileSync(join(esp, "loader/entries/missing-uki.conf"), "title Gone\nuki /EFI/Linux/gone.efi\n");
    });
    return { esp: join(esp, "esp") };
  })();
  return treePromise;
}

/** A copy of a committed tree (bootctl needs to bind-mount it; tests must not write into test/). */
export function committedTree(name: "fedora" | "arch"): string {
  return join(COMMITTED_TREES, name);
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

/**
 * Network entries (systemd-boot 258's `uki-url`, docs/network.md §1): an absolute one with options, title,
 * version and sort key, and a relative one, which only the boot loader's origin URL resolves.
 */
export function networkTree(): Promise<{ esp: string }> {
  return cachedTree("network-esp", { v: 1 }, async (dir) => {
    const entries = join(dir, "esp/loader/entries");
    mkdirSync(entries, { recursive: true });
    writeFileSync(join(entries, "net.conf"), "title Network\nsort-key a\nversion 3\nuki-url http://10.0.2.2/boot/os.efi\noptions quiet\n");
    writeFileSync(join(entries, "relative.conf"), "title Next to the loader\nuki-url :os.efi\n");
  }).then((dir) => ({ esp: join(dir, "esp") }));
}
