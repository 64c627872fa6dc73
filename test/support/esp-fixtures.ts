/**
 * ESP trees for the discovery, listing and fuzz tests: UKIs and add-ons from test/support/uki-fixtures.ts
 * and a few files broken on purpose, written once per test process. The committed Type #1 trees are in
 * test/fixtures/bls/; test/integration/support/bootctl-trees.ts makes the trees that need bootctl or ukify.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parsePe } from "../../src/pe/pe.ts";
import { buildAddon, buildUki, type UkiSpec } from "./uki-fixtures.ts";

export const COMMITTED_TREES = resolve(import.meta.dir, "../fixtures/bls");

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

/** A tree written once per test process. */
async function tree(name: string, fill: (dir: string) => Promise<void>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `bls-${name}-`));
  await fill(dir);
  return dir;
}

function place(src: string, dest: string): void {
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(src, dest);
}

/** The UKI ESP: UKIs, profiles, counters, add-ons and broken files. */
export function ukiTree(): Promise<UkiTree> {
  treePromise ??= (async () => {
    const esp = await tree("uki-esp", async (dir) => {
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
      // ukify always adds an .osrel (the host's when none is given); a renamed one gives a UKI without it.
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

/**
 * Network entries (systemd-boot 258's `uki-url`, docs/network.md §1): an absolute one with options, title,
 * version and sort key, and a relative one, which only the boot loader's origin URL resolves.
 */
export function networkTree(): Promise<{ esp: string }> {
  return tree("network-esp", async (dir) => {
    const entries = join(dir, "esp/loader/entries");
    mkdirSync(entries, { recursive: true });
    writeFileSync(join(entries, "net.conf"), "title Network\nsort-key a\nversion 3\nuki-url http://10.0.2.2/boot/os.efi\noptions quiet\n");
    writeFileSync(join(entries, "relative.conf"), "title Next to the loader\nuki-url :os.efi\n");
  }).then((dir) => ({ esp: join(dir, "esp") }));
}
