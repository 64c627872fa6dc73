/**
 * The ESP for comparing ukiboot with the real systemd-stub (test/e2e/stub-oracle.e2e.test.ts): one
 * two-profile UKI of the Debian system (test/lab/debian-system.ts) with everything systemd-stub merges into
 * the initrd: .ucode, per-UKI and global credentials, a sysext, a confext, a per-UKI and a global add-on
 * (each with a command line and an initrd, the per-UKI one with microcode too), .pcrpkey, .osrel,
 * .profile, and a .dtbauto that matches nothing on this machine. Both profiles keep the initrd (retain_initrd) so the target can hand back what it received.
 *
 * systemd-boot 257 is EFI/BOOT/BOOTX64.EFI, so the firmware path is firmware → systemd-boot → systemd-stub,
 * and systemd-boot selects the profile (`default oracle.efi@1`). ukiboot reads the same ESP.
 *
 * The systemd 262 tree (oracleEsp262Tree) is the same UKI made by ukify 262 on systemd-stub 262, installed
 * by `bootctl link` 262 as Type #1 `uki` entries with a credential, a sysext and a confext as `extra` files,
 * plus global extensions in \loader\extensions, with systemd-boot 262 as the first stage.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { debianParts, systemd262Parts, type DebianParts } from "../../build/debian.ts";
import { InitramfsTree } from "../../src/initrd/initramfs-tree.ts";
import { run } from "../../build/lib/run-command.ts";
import { buildOnce } from "./build-once.ts";
import { DEBIAN_CMDLINE, type DebianSystem } from "./debian-system.ts";
import { buildAddon, buildUki } from "./target-system.ts";

export const ORACLE_UKI = "oracle.efi";

/** The command line of profile `n`: the system's own, keeping the initrd, naming the profile. */
export const oracleCmdline = (n: number) => `${DEBIAN_CMDLINE} retain_initrd lab.oracle-profile=${n}`;

/**
 * A flattened devicetree (the FDT format of the Devicetree Specification, version 17) with only a root node
 * and its "compatible" string: enough for ukify's .dtbauto, and matching nothing on this machine.
 */
export function minimalDtb(compatible: string): Uint8Array {
  const be = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  const pad4 = (b: number[]) => [...b, ...new Array((4 - (b.length % 4)) % 4).fill(0)];
  const strings = [...new TextEncoder().encode("compatible"), 0];
  const value = [...new TextEncoder().encode(compatible), 0];
  const FDT_BEGIN_NODE = 1,
    FDT_END_NODE = 2,
    FDT_PROP = 3,
    FDT_END = 9;
  const struct = [...be(FDT_BEGIN_NODE), 0, 0, 0, 0, ...be(FDT_PROP), ...be(value.length), ...be(0), ...pad4(value), ...be(FDT_END_NODE), ...be(FDT_END)];
  const rsvmap = new Array(16).fill(0);
  const header = 40;
  const offRsv = header,
    offStruct = offRsv + rsvmap.length,
    offStrings = offStruct + struct.length;
  const total = offStrings + strings.length;
  return Uint8Array.from([
    ...be(0xd00dfeed),
    ...be(total),
    ...be(offStruct),
    ...be(offStrings),
    ...be(offRsv),
    ...be(17),
    ...be(16),
    ...be(0),
    ...be(strings.length),
    ...be(struct.length),
    ...rsvmap,
    ...struct,
    ...strings,
  ]);
}

function cpio(files: Record<string, string>): Uint8Array {
  const tree = new InitramfsTree();
  for (const [path, text] of Object.entries(files)) tree.add({ type: "file", path, data: new TextEncoder().encode(text) });
  return tree.toCpio();
}

/** The entry ids of the 262 tree: `bootctl link` names one entry per profile, commit 1, VERSION_ID 13. */
export const ORACLE_262_ENTRIES = ["oracle-commit_1.13.conf", "oracle-commit_1.13@1.conf"] as const;

/** The ESP tree (without loader.conf, which each boot writes to choose the profile). */
export function oracleEspTree(system: DebianSystem): Promise<string> {
  return buildTree(system, 257);
}

/** The systemd 262 tree: ukify, stubs and systemd-boot 262, the UKI installed by `bootctl link` with extras. */
export function oracleEsp262Tree(system: DebianSystem): Promise<string> {
  return buildTree(system, 262);
}

async function buildTree(system: DebianSystem, systemd: 257 | 262): Promise<string> {
  const trixie = await debianParts();
  const p262 = systemd === 262 ? await systemd262Parts() : undefined;
  // The same recipe with the other release's ukify, stubs and systemd-boot.
  const parts: DebianParts = p262
    ? { ...trixie, ukify: p262.ukify, linuxStub: p262.linuxStub, addonStub: p262.addonStub, systemdBoot: p262.systemdBoot }
    : trixie;
  const name = systemd === 262 ? "oracle-esp-262" : "oracle-esp";
  const dir = await buildOnce(
    name,
    {
      inputs: { system, systemd, cmdline: [oracleCmdline(0), oracleCmdline(1)] },
      code: import.meta.path,
      single: true,
      files: [system.vmlinuz, system.initrd, parts.linuxStub, parts.systemdBoot],
    },
    async (out) => {
      const tree = join(out, "tree");
      const work = join(out, "work");
      mkdirSync(work, { recursive: true });
      const file = (name: string, bytes: Uint8Array | string) => {
        const p = join(work, name);
        writeFileSync(p, bytes);
        return p;
      };
      const place = (path: string, bytes: Uint8Array | string) => {
        mkdirSync(dirname(join(tree, path)), { recursive: true });
        writeFileSync(join(tree, path), bytes);
      };

      // Profile 1 is built on its own with the add-on stub, then joined to profile 0's UKI.
      const p0 = file("p0.profile", "ID=default\nTITLE=Debian (oracle)\n");
      const p1 = file("p1.profile", "ID=second\nTITLE=Debian (oracle, second profile)\n");
      const second = join(work, "p1.efi");
      // A profile PE carries only its own sections: the add-on stub, no kernel.
      await run([...parts.ukify.argv, "build", `--stub=${parts.addonStub}`, `--profile=@${p1}`, `--cmdline=${oracleCmdline(1)}`, `--output=${second}`], {
        env: parts.ukify.env,
      });
      const osrel = file(
        "os-release",
        'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nNAME="Debian GNU/Linux"\nVERSION_ID="13"\nVERSION="13 (trixie)"\nID=debian\n',
      );
      // 257: a Type #2 UKI in \EFI\Linux. 262: built aside, then installed by `bootctl link`.
      const ukiPath = systemd === 262 ? join(work, ORACLE_UKI) : join(tree, "EFI/Linux", ORACLE_UKI);
      await buildUki(parts, {
        output: ukiPath,
        linux: system.vmlinuz,
        initrds: [system.initrd],
        cmdline: oracleCmdline(0),
        osRelease: `@${osrel}`,
        uname: system.kernelVersion,
        extra: [
          `--microcode=${file("ucode.cpio", cpio({ "kernel/x86/microcode/GenuineIntel.bin": "not really microcode (the UKI's own)\n" }))}`,
          `--pcrpkey=${system.pcrPublicKey}`,
          // Matches nothing here: the stub measures a .dtbauto only when it matched (docs/measurements.md §2).
          `--devicetree-auto=${file("oracle.dtb", minimalDtb("ukiboot,lab-oracle"))}`,
          `--profile=@${p0}`,
          `--join-profile=${second}`,
        ],
      });

      if (systemd === 262) {
        const { forkyBootctl } = await import("../support/bootctl.ts");
        const bootctl = await forkyBootctl();
        if (typeof bootctl === "string") throw new Error(`Cannot make the systemd 262 oracle ESP: ${bootctl}`);
        const extras = [
          file("entry.cred", "an entry credential\n"),
          file("entry.sysext.raw", "an entry system extension\n"),
          file("entry.confext.raw", "an entry configuration extension\n"),
        ];
        mkdirSync(join(tree, "loader"), { recursive: true });
        await bootctl.write(tree, ["link", "--entry-token=literal:oracle", ...extras.map((x) => `--extra=${x}`), ukiPath]);
        place("loader/extensions/global.sysext.raw", "a global system extension\n");
        place("loader/extensions/global.confext.raw", "a global configuration extension\n");
      }
      const extra = systemd === 262 ? `oracle/${ORACLE_UKI}.extra.d` : `EFI/Linux/${ORACLE_UKI}.extra.d`;
      await buildAddon(parts, {
        output: join(tree, extra, "local.addon.efi"),
        cmdline: "lab.local-addon=1",
        initrd: file("local.cpio", cpio({ "etc/lab/local-addon": "from the UKI's own add-on\n" })),
        ucode: file("local-ucode.cpio", cpio({ "kernel/x86/microcode/AuthenticAMD.bin": "not really microcode (an add-on's)\n" })),
      });
      await buildAddon(parts, {
        output: join(tree, "loader/addons/global.addon.efi"),
        cmdline: "lab.global-addon=1",
        initrd: file("global.cpio", cpio({ "etc/lab/global-addon": "from the global add-on\n" })),
      });
      place(`${extra}/a.cred`, "credential a\n");
      place(`${extra}/b.cred`, "credential b\n");
      place("loader/credentials/g.cred", "a global credential\n");
      place(`${extra}/tools.sysext.raw`, "a system extension image\n");
      place(`${extra}/etc.confext.raw`, "a configuration extension image\n");
      mkdirSync(join(tree, "EFI/BOOT"), { recursive: true });
      copyFileSync(parts.systemdBoot, join(tree, "EFI/BOOT/BOOTX64.EFI"));
    },
  );
  return join(dir, "tree");
}
